"""Export to Excel: the filtered payments, with real numbers and dates."""

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
from django.utils import timezone

from billing.payments import posting
from billing.payments.models import Payment

from ..billing.payhelpers import pay
from ..conftest import link_sample
from ..factories import PaymentFactory

EXPORT = "/office/payments/export.xlsx"


def workbook(response):
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content)).active


def test_it_exports_real_payments_as_numbers_and_dates(cows, riverton, client_for):
    account = link_sample(cows, riverton)
    resident = client_for(riverton.resident, riverton.tenant)
    payment = pay(resident, account, "50.00")
    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    item = payment.items.get()
    item.refresh_from_db()
    response = client_for(riverton.clerk, riverton.tenant).get(EXPORT)
    today = timezone.localdate(timezone=ZoneInfo(riverton.tenant.time_zone)).isoformat()
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "payments-riverton-" in disposition and ".xlsx" in disposition
    assert f'filename="payments-riverton-{today}.xlsx"' in disposition
    sheet = workbook(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("Date", "Reference", "Payer", "Payer email", "Items", "Amount", "Fee", "Total")
    assert len(rows) == 2
    row = rows[1]
    local = timezone.localtime(payment.charged_at, ZoneInfo(riverton.tenant.time_zone)).replace(tzinfo=None)
    assert isinstance(row[0], datetime) and abs(row[0] - local) < timedelta(seconds=1)
    assert row[1] == payment.reference and row[3] == "rosa@example.org"
    assert (row[5], row[6], row[7]) == (50, 1.5, 51.5)
    assert row[8] == "Visa •••• 4242" and row[9] == "Posted" and row[10] == item.confirmation_number
    amount_cell = sheet.cell(row=2, column=6)
    assert amount_cell.data_type == "n" and "$" in amount_cell.number_format
    assert sheet.cell(row=2, column=1).is_date


def test_it_exports_the_filtered_rows_of_every_page(riverton, client_for):
    for _ in range(60):
        PaymentFactory(city=riverton, kind="ach", items=1)
    card = PaymentFactory(city=riverton, kind="card", items=1)
    sheet = workbook(client_for(riverton.clerk, riverton.tenant).get(EXPORT, {"kind": "ach", "page": "1"}))
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 60
    assert card.reference not in {r[1] for r in rows}
    assert sum(Decimal(str(r[7])) for r in rows) == Decimal("41.50") * 60


def test_dates_are_the_citys_local_time(riverton, client_for):
    PaymentFactory(city=riverton, local=(2026, 3, 1, 23, 30), items=1)
    sheet = workbook(client_for(riverton.clerk, riverton.tenant).get(EXPORT))
    assert sheet.cell(row=2, column=1).value == datetime(2026, 3, 1, 23, 30)


def test_a_payer_name_that_looks_like_a_formula_stays_text(riverton, client_for):
    PaymentFactory(city=riverton, name='=HYPERLINK("http://evil.example","click")', items=1)
    sheet = workbook(client_for(riverton.clerk, riverton.tenant).get(EXPORT))
    cell = sheet.cell(row=2, column=3)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_export_has_none_of_another_citys_payments(riverton, lakeside, client_for):
    ours = PaymentFactory(city=riverton, items=1)
    theirs = PaymentFactory(city=lakeside, items=1)
    sheet = workbook(client_for(lakeside.clerk, lakeside.tenant).get(EXPORT))
    references = {r[1] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert references == {theirs.reference} and ours.reference not in references


def test_failed_payments_are_exported_with_their_state(riverton, client_for):
    PaymentFactory(city=riverton, state=Payment.State.FAILED, items=1)
    sheet = workbook(client_for(riverton.clerk, riverton.tenant).get(EXPORT))
    assert sheet.cell(row=2, column=10).value == "Failed"
    assert sheet.cell(row=2, column=11).value in (None, "")
