"""Stripe's deposits: the payouts that arrive in the bank on a day, and the balance transactions in each.

Stripe pays a city's balance into its bank as payouts; each payout's balance transactions
(`BalanceTransaction.list(payout=...)`) are the charges, refunds, ACH returns
(`payment_failure_refund`) and fees it is made of, and their net amounts add up to the payout.
The payouts of a day are those whose `arrival_date` falls on it, in the city's time zone.

localstripe (the tests' Stripe) keeps payouts and the balance transactions of charges and refunds,
but it neither links them (no `payout=` filter) nor filters payouts by `arrival_date`: it answers
both with 400, which this module reports as DepositsUnavailable. Its tests use localstripe for what
it has (a charge's balance transaction) and Stripe's documented shapes for the rest.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import stripe
from django.utils.translation import gettext as _

from ..providers import ProviderError, provider_from_account
from . import DepositsUnavailable, ProviderDeposit, ProviderLine

KINDS = {"charge": "payment", "payment": "payment", "refund": "refund", "payment_refund": "refund",
         "payment_failure_refund": "return"}


def _cents(value) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


def _intent_of(source) -> str:
    """The PaymentIntent a balance transaction's (expanded) source belongs to: what Payment keeps."""
    if isinstance(source, str) or source is None:
        return ""
    intent = source.get("payment_intent") or ""
    return intent if isinstance(intent, str) else intent.get("id", "")


def line_from(txn: dict) -> ProviderLine | None:
    """One balance transaction (as a dict) as a deposit line (None for the payout's own transaction)."""
    kind = txn["type"]
    if kind == "payout":
        return None
    source = txn.get("source")
    return ProviderLine(kind=KINDS.get(kind, "other"), provider_reference=txn["id"], payment_id=_intent_of(source),
                        gross=_cents(txn["amount"]), processor_fee=_cents(txn.get("fee")),
                        description=txn.get("description") or "")


def _day_bounds(tenant, day: date) -> tuple[int, int]:
    start = datetime.combine(day, time.min, tzinfo=tenant.zone)
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


def read(*, tenant, account, deposit_date: date) -> ProviderDeposit | None:
    """The payouts arriving that day, with their lines; None when no payout arrives that day."""
    try:
        client = provider_from_account(account)._client()
        first, after = _day_bounds(tenant, deposit_date)
        payouts = [p for p in client.v1.payouts.list(params={"arrival_date": {"gte": first, "lt": after},
                                                             "limit": 100}).auto_paging_iter()
                   if p["status"] != "canceled" and p["status"] != "failed"]
        if not payouts:
            return None
        lines = []
        for payout in payouts:
            txns = client.v1.balance_transactions.list(params={"payout": payout["id"], "limit": 100,
                                                               "expand": ["data.source"]})
            lines += [line for line in (line_from(t.to_dict()) for t in txns.auto_paging_iter()) if line is not None]
    except (ProviderError, stripe.StripeError) as exc:
        raise DepositsUnavailable(_("Stripe could not be asked about deposits: %(error)s")
                                  % {"error": getattr(exc, "user_message", None) or str(exc)}) from exc
    return ProviderDeposit(amount=sum((_cents(p["amount"]) for p in payouts), Decimal("0.00")), lines=lines)
