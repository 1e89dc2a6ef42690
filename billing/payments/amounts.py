"""Amounts a person types, and the office's limits on what one checkout may pay."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..formatting import money
from .models import PaymentItem
from .providers import payment_settings

CENT = Decimal("0.01")
LARGEST_AMOUNT = Decimal("10000000")  # beyond any bill: a typo, refused before the office's own limits


class CheckoutError(Exception):
    """Something the customer must change; the message says what."""


def parse_amount(raw, *, allow_zero: bool = False) -> Decimal:
    """'$1,234.50' → Decimal('1234.50'), or CheckoutError with a clear message."""
    text = str(raw or "").strip().replace("$", "").replace(",", "").replace(" ", "")
    if not text:
        raise CheckoutError(_("Enter an amount."))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CheckoutError(_("Enter the amount as a number, like 45.67.")) from None
    if not amount.is_finite():
        raise CheckoutError(_("Enter the amount as a number, like 45.67."))
    if amount.as_tuple().exponent < -2:
        raise CheckoutError(_("Enter the amount in dollars and cents, like 45.67."))
    if amount < 0 or (amount == 0 and not allow_zero):
        raise CheckoutError(_("The amount must be more than zero."))
    if amount >= LARGEST_AMOUNT:
        raise CheckoutError(_("That amount is far too large."))
    return amount.quantize(CENT)


def _over_largest(settings) -> CheckoutError:
    return CheckoutError(_("The largest payment online is %(max)s. For more, please contact the office.")
                         % {"max": money(settings.maximum_payment)})


def _account_limit(settings, summary) -> Decimal:
    return max(summary.balance_due, Decimal("0")) + settings.maximum_overpayment


def _over_account(settings, limit: Decimal) -> CheckoutError:
    return CheckoutError(_("You can pay at most %(limit)s on this account (the balance due plus %(over)s).")
                         % {"limit": money(limit), "over": money(settings.maximum_overpayment)})


def check_amount(*, tenant, item) -> None:
    """One item within the office's smallest and largest payment, and a utility item within its account's limit."""
    settings = payment_settings(tenant)
    if item.amount < settings.minimum_payment:
        raise CheckoutError(_("The smallest payment is %(min)s.") % {"min": money(settings.minimum_payment)})
    if item.amount > settings.maximum_payment:
        raise _over_largest(settings)
    if item.kind == PaymentItem.Kind.UTILITY and item.summary is not None:
        limit = _account_limit(settings, item.summary)
        if item.amount > limit:
            raise _over_account(settings, limit)


def check_items(*, tenant, items) -> None:
    """A whole checkout: each item, the total against the largest payment, each account's items together."""
    for item in items:
        check_amount(tenant=tenant, item=item)
    settings = payment_settings(tenant)
    if sum((i.amount for i in items), Decimal("0")) > settings.maximum_payment:
        raise _over_largest(settings)
    per_account: dict[str, Decimal] = defaultdict(Decimal)
    summaries = {}
    for item in items:
        if item.kind == PaymentItem.Kind.UTILITY:
            per_account[item.account_key] += item.amount
            summaries[item.account_key] = item.summary or summaries.get(item.account_key)
    for key, total in per_account.items():
        if summaries[key] is not None and total > _account_limit(settings, summaries[key]):
            raise _over_account(settings, _account_limit(settings, summaries[key]))
