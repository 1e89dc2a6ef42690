"""Payments for the office's screens: real ones through the sandbox, or rows made directly for volume."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from billing.payments.models import Payment, PaymentItem
from customers.linking import link_account

from ..billing.payhelpers import bank_token, card_token, start_utility_payment


def link_sample(cows, city, index: int = 0) -> str:
    """Link one of the simulator's accounts to the city's resident; returns its account key."""
    s = cows.samples(city.tenant.slug)[index]
    link_account(tenant=city.tenant, user=city.resident, customer_number=s["customer_number"], last_name=s["last_name"])
    return s["customer_number"].replace("-", "")


def pay(client, account_key: str, amount: str = "20.00", kind: str = "card") -> Payment:
    """A real payment through the sandbox provider, charged (its item then waits to be posted)."""
    token = card_token(client) if kind == "card" else bank_token(client)
    response = start_utility_payment(client, account_key, amount, token, kind=kind)
    assert response.status_code == 302, response.content
    reference = re.search(r"/pay/([A-Z0-9]+)/confirm/", response["Location"]).group(1)
    assert client.post(f"/pay/{reference}/confirm/").status_code == 302
    payment = Payment.objects.get(reference=reference)
    assert payment.state in (Payment.State.CHARGED, Payment.State.POSTED)
    return payment


def make_payment(city, *, when: datetime | None = None, local: tuple | None = None, amount: str = "40.00",
                 fee: str = "1.50", state: str = Payment.State.POSTED, kind: str = "card", items: int = 2,
                 email: str = "payer@example.org", name: str = "", customer_number: str = "001-0042-00",
                 confirmation: str | None = None) -> Payment:
    """A payment row as checkout leaves it, made directly (for lists with many rows).

    `local` is (year, month, day, hour, minute) in the city's time zone.
    """
    if local is not None:
        when = datetime(*local, tzinfo=ZoneInfo(city.tenant.time_zone))
    reference = "CC" + uuid.uuid4().hex[:14].upper()
    total = Decimal(amount) + Decimal(fee)
    payment = Payment.objects.create(
        tenant=city.tenant, reference=reference, idempotency_key=f"k-{reference}", user=city.resident,
        payer_email=email, payer_name=name, state=state, amount=Decimal(amount), fee=Decimal(fee), total=total,
        method_kind=kind, method_brand="Visa" if kind == "card" else "Checking", method_last4="4242" if kind == "card" else "6789",
        method_token="tok_x", provider="sandbox", **({"created_at": when, "charged_at": when} if when else {}))
    share = (Decimal(amount) / items).quantize(Decimal("0.01"))
    post_state = {Payment.State.POSTED: PaymentItem.PostState.POSTED, Payment.State.CHARGED: PaymentItem.PostState.WAITING,
                  Payment.State.FAILED: PaymentItem.PostState.VOID}.get(state, PaymentItem.PostState.HELD)
    PaymentItem.objects.bulk_create([
        PaymentItem(tenant=city.tenant, payment=payment, reference=f"{reference}-{n}", kind=PaymentItem.Kind.UTILITY,
                    account_key=customer_number.replace("-", ""), customer_number=customer_number,
                    amount=share if n < items else Decimal(amount) - share * (items - 1), post_state=post_state,
                    confirmation_number=(confirmation or f"CR-{uuid.uuid4().int % 10**7:07d}")
                    if post_state == PaymentItem.PostState.POSTED else "")
        for n in range(1, items + 1)])
    return payment
