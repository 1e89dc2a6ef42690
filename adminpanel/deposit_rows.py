"""Deposit Reconciliation's Excel columns: a row per deposit line, then the totals and the bank's amount."""

from __future__ import annotations

from django.utils.translation import gettext as _

from billing.payments.deposits import DepositReport

from .listing import DATE_FORMAT, MONEY_FORMAT, Column


def export_rows(report: DepositReport) -> list[dict]:
    rows = [{"kind": line.kind_label, "reference": line.payment.reference if line.payment else "",
             "customer": line.customer, "accounts": line.accounts, "amount": line.amount,
             "service_fee": line.service_fee, "processor_fee": line.processor_fee, "net": line.net,
             "confirmation": line.confirmation_numbers, "posted_on": line.posted_on,
             "state": line.payment.get_state_display() if line.payment else line.description,
             "provider_reference": line.provider_reference} for line in report.lines]
    totals = report.totals
    rows.append({"kind": _("Total"), **{k: totals[k] for k in ("amount", "service_fee", "processor_fee", "net")}})
    rows.append({"kind": _("Deposit received by the bank"), "net": report.deposit_amount})
    return rows


def deposit_columns() -> list[Column]:
    return [
        Column(_("Type"), lambda r: r["kind"], width=26),
        Column(_("Reference"), lambda r: r.get("reference", ""), width=18),
        Column(_("Customer"), lambda r: r.get("customer", ""), width=26),
        Column(_("Accounts"), lambda r: r.get("accounts", ""), width=26),
        Column(_("Amount"), lambda r: r.get("amount"), MONEY_FORMAT, 12),
        Column(_("Service fee"), lambda r: r.get("service_fee"), MONEY_FORMAT, 12),
        Column(_("Processor fee"), lambda r: r.get("processor_fee"), MONEY_FORMAT, 12),
        Column(_("Net"), lambda r: r.get("net"), MONEY_FORMAT, 12),
        Column(_("Confirmation numbers"), lambda r: r.get("confirmation", ""), width=24),
        Column(_("Posted to Cash Receipting"), lambda r: r.get("posted_on"), DATE_FORMAT, 14),
        Column(_("State"), lambda r: r.get("state", ""), width=24),
        Column(_("Provider reference"), lambda r: r.get("provider_reference", ""), width=28),
    ]
