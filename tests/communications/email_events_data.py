"""Accounts with bills for the Email Events tests, made directly (no billing system needed while the
snapshots are fresh): a linked account, its snapshot (balance and due date), AutoPay on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.accounts.models import AccountSnapshot
from customers.models import LinkedAccount


def number_of(key: str) -> str:
    return f"{key[:3]}-{key[3:]}"


def bill(city, key: str, *, due: date | None, balance: str, users=None, last_name: str = "Rivera",
         fetched_at=None) -> str:
    """An account of the city with its bill due on `due`, `balance` still due, linked to `users` (the resident)."""
    for user in users if users is not None else [city.resident]:
        LinkedAccount.objects.get_or_create(tenant=city.tenant, user=user, account_key=key,
                                            defaults={"customer_number": number_of(key)})
    AccountSnapshot.objects.update_or_create(tenant=city.tenant, account_key=key, defaults={
        "data": {"customer_number": number_of(key), "first_name": "Pat", "last_name": last_name,
                 "balance_due": balance, "due_date": due.isoformat() if due else None},
        "fetched_at": fetched_at or timezone.now()})
    return key


def on_autopay(city, key: str, *, charge_on: date | None = None, due: date | None = None):
    """AutoPay on for the account (run by the resident), with its payment scheduled for `charge_on` if given."""
    from autopay.models import Enrollment, ScheduledPayment
    from billing.payments.models import PaymentMethod

    method = PaymentMethod.objects.create(tenant=city.tenant, user=city.resident, provider="sandbox",
                                          token=f"tok_{key}", kind="card", brand="Visa", last4="4242",
                                          exp_month=12, exp_year=2030)
    enrollment = Enrollment.objects.create(tenant=city.tenant, user=city.resident, account_key=key,
                                           customer_number=number_of(key), method=method, days_before_due=2)
    if charge_on is not None:
        ScheduledPayment.objects.create(tenant=city.tenant, enrollment=enrollment, account_key=key,
                                        customer_number=number_of(key), period_id=1, period_label="2026-11",
                                        due_date=due, charge_on=charge_on, amount=Decimal("84.20"),
                                        created_by="test")
    return enrollment
