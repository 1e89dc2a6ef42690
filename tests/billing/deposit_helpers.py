"""Payments made at a fixed moment of the city's week, for the deposit and return tests."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

import time_machine

from billing.payments import checkout
from billing.payments.checkout import ItemSpec, MethodSpec
from billing.payments.models import Payment, PaymentItem

from .payhelpers import bank_token, card_token

RETURNED_BANK = "000333333335"  # docs/payments.md: settles, then returned R01


def permit(amount: str = "30.00") -> ItemSpec:
    return ItemSpec(kind=PaymentItem.Kind.MISC, amount=Decimal(amount), category="PERMITS",
                    category_name="Permits", distribution="BUILD", distribution_name="Building permit")


def water(amount: str = "42.10", number: str = "001-0042-00") -> ItemSpec:
    return ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=Decimal(amount), account_key=number.replace("-", ""),
                    customer_number=number)


@contextmanager
def on(city, year: int, month: int, day: int, hour: int = 10):
    """The clock at that hour of that day in the city (moving on)."""
    with time_machine.travel(datetime(year, month, day, hour, tzinfo=city.tenant.zone)):
        yield


def paid(city, anon_client, *, items=None, bank: str = "", payer_name: str = "Rosa Diaz") -> Payment:
    """A payment through checkout and the sandbox: by card, or by bank account `bank` when given."""
    client = anon_client(city.tenant)
    token = bank_token(client, account=bank) if bank else card_token(client)
    payment = checkout.start_checkout(tenant=city.tenant, items=items or [permit()], method=MethodSpec(token=token),
                                      user=city.resident, payer_name=payer_name)
    payment = checkout.confirm_payment(payment=payment)
    assert payment.state == Payment.State.CHARGED, payment.failure_reason
    return payment
