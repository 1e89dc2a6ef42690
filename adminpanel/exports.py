"""Show Completed Payments as an Excel workbook."""

from __future__ import annotations

import tempfile
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from billing.formatting import money
from billing.payments.models import Payment
from portal.models import Tenant


MONEY_FORMAT = '"$"#,##0.00;("$"#,##0.00)'
DATE_FORMAT = "yyyy-mm-dd hh:mm"
CHUNK = 1000


def export_filename(tenant: Tenant) -> str:
    today = timezone.localtime(timezone.now(), tenant.zone).date()
    return f"payments-{tenant.slug}-{today.isoformat()}.xlsx"


def write_payments_xlsx(*, tenant: Tenant, payments: QuerySet[Payment]) -> IO[bytes]:
    """The payments as a workbook in a temporary file (rewound), a row each, written as it goes.

    A write-only workbook keeps only the current row in memory, and the rows are read in
    chunks with their items, so thousands of payments cost neither memory nor queries per row.
    """
    zone = tenant.zone
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Payments"))
    widths = [18, 18, 30, 30, 40, 12, 12, 12, 20, 24, 28]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"

    def cell(value, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # a payer named "=HYPERLINK(...)" stays text, never a formula
        if number_format:
            c.number_format = number_format
        if bold:
            c.font = Font(bold=True)
        return c

    headers = [_("Date"), _("Reference"), _("Payer"), _("Payer email"), _("Items"), _("Amount"), _("Fee"),
               _("Total"), _("Method"), _("State"), _("Confirmation numbers")]
    sheet.append([cell(h, bold=True) for h in headers])
    for payment in payments.iterator(chunk_size=CHUNK):
        items = list(payment.items.all())
        when = timezone.localtime(payment.charged_at or payment.created_at, zone).replace(tzinfo=None)
        sheet.append([
            cell(when, DATE_FORMAT),
            cell(payment.reference),
            cell(payment.payer_name),
            cell(payment.payer_email),
            cell("; ".join(f"{i.label}: {money(i.amount)}" for i in items)),
            cell(payment.amount, MONEY_FORMAT),
            cell(payment.fee, MONEY_FORMAT),
            cell(payment.total, MONEY_FORMAT),
            cell(payment.method_label),
            cell(payment.get_state_display()),
            cell(", ".join(i.confirmation_number for i in items if i.confirmation_number)),
        ])
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out
