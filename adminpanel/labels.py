"""How the office's screens and exports name payments, items and states (translated)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from billing.payments.models import Payment, PaymentItem


def state_label(state: str) -> str:
    return {
        Payment.State.CREATED: _("Not submitted"),
        Payment.State.PROCESSING: _("Charging"),
        Payment.State.CHARGED: _("Received, posting pending"),
        Payment.State.POSTED: _("Posted"),
        Payment.State.FAILED: _("Failed"),
    }.get(state, state)


def kind_label(kind: str) -> str:
    return {"card": _("Card"), "ach": _("Bank account")}.get(kind, kind)


def method_label(payment: Payment) -> str:
    """Visa •••• 4242; a bank account as Checking •••• 6789."""
    brand = payment.method_brand or kind_label(payment.method_kind)
    return f"{brand} •••• {payment.method_last4}" if payment.method_last4 else brand


def item_label(item: PaymentItem) -> str:
    if item.kind == PaymentItem.Kind.UTILITY:
        return _("Utility account %(number)s") % {"number": item.customer_number or item.account_key}
    label = " – ".join(p for p in (item.category_name or item.category, item.distribution_name or item.distribution) if p)
    if item.category_reference:
        label = f"{label} ({item.category_reference})"
    return label


def payer_label(payment: Payment) -> str:
    if payment.payer_name and payment.payer_email:
        return f"{payment.payer_name} <{payment.payer_email}>"
    return payment.payer_name or payment.payer_email or _("Unknown payer")
