"""The sandbox's deposits: one per city, merchant account and business day (providers/sandbox.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sandboxpay.models import SandboxDeposit

from . import ProviderDeposit, ProviderLine

KINDS = {"succeeded": "payment", "refunded": "refund", "returned": "return"}


def read(*, tenant, account, deposit_date: date) -> ProviderDeposit | None:
    """The deposit of that day and its charges, refunds and returns, in the order they happened."""
    deposit = SandboxDeposit.objects.filter(tenant_slug=tenant.slug, merchant=account.merchant,
                                            deposit_date=deposit_date).first()
    if deposit is None:
        return None
    lines = [ProviderLine(kind=KINDS.get(c.status, "other"), provider_reference=c.charge_id,
                          payment_id=c.charge_id if c.status == "succeeded" else c.token, gross=c.amount,
                          processor_fee=Decimal("0.00"),
                          description=f"{c.failure_code} {c.failure_message}".strip() if c.status == "returned" else "")
             for c in deposit.charges.order_by("created_at", "id")]
    return ProviderDeposit(amount=deposit.total, lines=lines)

