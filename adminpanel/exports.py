"""The columns of the office's Excel exports (written by adminpanel/listing.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from billing.formatting import money
from portal.models import Tenant

from .listing import DATE_FORMAT, DATETIME_FORMAT, MONEY_FORMAT, Column, local_datetime


def _items(payment) -> list:
    # The prefetched items: reading them through .all() costs no query per row.
    return list(payment.items.all())


def payment_columns(tenant: Tenant) -> list[Column]:
    """Show Completed Payments: a row per payment, amounts as numbers, dates in the city's time."""
    zone = tenant.zone
    return [
        Column(_("Date"), lambda p: local_datetime(p.charged_at or p.created_at, zone), DATETIME_FORMAT, 18),
        Column(_("Reference"), lambda p: p.reference, width=18),
        Column(_("Payer"), lambda p: p.payer_name, width=30),
        Column(_("Payer email"), lambda p: p.payer_email, width=30),
        Column(_("Items"), lambda p: "; ".join(f"{i.label}: {money(i.amount)}" for i in _items(p)), width=40),
        Column(_("Amount"), lambda p: p.amount, MONEY_FORMAT, 12),
        Column(_("Fee"), lambda p: p.fee, MONEY_FORMAT, 12),
        Column(_("Total"), lambda p: p.total, MONEY_FORMAT, 12),
        Column(_("Method"), lambda p: p.method_label, width=20),
        Column(_("State"), lambda p: p.get_state_display(), width=24),
        Column(_("Confirmation numbers"),
               lambda p: ", ".join(i.confirmation_number for i in _items(p) if i.confirmation_number), width=28),
    ]


def scheduled_payment_columns() -> list[Column]:
    """Scheduled/Previous Payments: the screen's columns, from its rows (adminpanel/autopay_rows.py)."""
    return [
        Column(_("Customer"), lambda r: r["customer_name"], width=24),
        Column(_("Customer email"), lambda r: r["customer_email"], width=30),
        Column(_("Customer number"), lambda r: r["customer_number"], width=16),
        Column(_("Period"), lambda r: r["period"], width=10),
        Column(_("Due date"), lambda r: r["due_date"], DATE_FORMAT, 12),
        Column(_("Charge date"), lambda r: r["charge_on"], DATE_FORMAT, 12),
        Column(_("Amount"), lambda r: r["amount"], MONEY_FORMAT, 12),
        Column(_("Method"), lambda r: r["method"], width=22),
        Column(_("Status"), lambda r: r["status"], width=40),
    ]
