"""Scheduled/Previous Payments: every AutoPay payment of the city, its STATUS as the guide says, filtered by
each column, exported row for row, at a constant number of queries."""

import html
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest

from autopay import charging
from autopay.models import ScheduledPayment
from billing.payments import posting

from ..billing.payhelpers import DECLINED
from ..conftest import link_sample
from .autopay_helpers import enroll, enroll_many, payable_accounts, residents, saved_method

SCREEN = "/office/autopay/"
EXPORT = "/office/autopay/export.xlsx"
S = ScheduledPayment.State


def text(response) -> str:
    return html.unescape(response.content.decode())


def payments_section(body: str) -> str:
    """Scheduled/Previous Payments, without the screen's other sections."""
    return body.split('id="list-heading"', 1)[1].split('id="waiting-heading"', 1)[0]


def listed(body: str, rows: dict) -> set[str]:
    """Which of the named rows the list shows (by customer number, each unique here)."""
    section = payments_section(body)
    return {name for name, sp in rows.items() if f'"Customer number">{sp.customer_number}</td>' in section}


def charge(sp: ScheduledPayment) -> ScheduledPayment:
    return charging.charge_now(scheduled_id=sp.pk)


@pytest.fixture
def four(own_office, riverton, larry):
    """After the close: Rosa paid (posted), Larry over his maximum, Ann's card declined, Bea's still pending."""
    sim = own_office(riverton, "ap-list", customers=40, seed=41)
    sim.close_period("ap-list")
    ann, bea = residents(riverton, 2)
    extra = [n for n in payable_accounts(riverton, sim, "ap-list", 6) if n not in
             {s["customer_number"] for s in sim.samples("ap-list")}][:2]
    rows = {
        "rosa": enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident), days=3),
        "larry": enroll(riverton, link_sample(sim, riverton, 1, user=larry), saved_method(riverton, larry, bank=True),
                        user=larry, days=5, maximum="1.00"),
        "ann": enroll(riverton, extra[0], saved_method(riverton, ann, number=DECLINED), user=ann, days=3),
        "bea": enroll(riverton, extra[1], saved_method(riverton, bea), user=bea, days=7),
    }
    rows = {name: result.scheduled for name, result in rows.items()}
    for name in ("rosa", "larry", "ann"):
        rows[name] = charge(rows[name])
    assert posting.post_payment_items(payment_id=rows["rosa"].payment_id) == ["posted"]
    assert [rows[n].state for n in ("rosa", "larry", "ann", "bea")] == [S.PAID, S.OVER_MAXIMUM, S.FAILED, S.PENDING]
    return rows


def test_the_status_column_says_what_the_guide_says(riverton, four, client_for):
    confirmation = four["rosa"].payment.items.get().confirmation_number
    body = text(client_for(riverton.clerk, riverton.tenant).get(SCREEN))
    assert confirmation and f">{confirmation}</a>" in body  # the number Cash Receipting and the provider share
    assert four["larry"].message.startswith("Over your AutoPay maximum of $1.00") and four["larry"].message in body
    assert four["ann"].message and four["ann"].message in body
    assert '<td data-label="Status">Pending</td>' in body
    assert listed(body, four) == set(four)
    assert "Visa •••• 0002" in body and "Checking •••• 6789" in body and "Visa •••• 4242" in body


def test_a_paid_payment_not_yet_in_cash_receipting_shows_its_reference_with_posting_pending(riverton, own_office,
                                                                                           client_for):
    sim = own_office(riverton, "ap-posting", customers=40, seed=42)
    sim.close_period("ap-posting")
    paid = charge(enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident)).scheduled)
    assert paid.state == S.PAID
    body = text(client_for(riverton.clerk, riverton.tenant).get(SCREEN))
    assert f"{paid.payment.reference} (posting pending)" in body


def test_each_column_filters_the_list(riverton, four, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    rosa = four["rosa"]
    due = rosa.due_date
    cases = [
        ({"customer": "rosa"}, {"rosa"}),
        ({"customer": "LARRY@landlords"}, {"larry"}),
        ({"customer": "Ann Payer0"}, {"ann"}),
        ({"customer_number": rosa.customer_number}, {"rosa"}),
        ({"customer_number": rosa.account_key}, {"rosa"}),  # typed without dashes
        ({"period": rosa.period_label}, {"rosa", "larry", "ann", "bea"}),
        ({"charge_from": (due - timedelta(days=4)).isoformat()}, {"rosa", "ann"}),  # 3 days before the due date
        ({"charge_to": (due - timedelta(days=6)).isoformat()}, {"bea"}),
        ({"charge_from": (due - timedelta(days=5)).isoformat(), "charge_to": (due - timedelta(days=5)).isoformat()},
         {"larry"}),
        ({"kind": "ach"}, {"larry"}),
        ({"kind": "card"}, {"rosa", "ann", "bea"}),
        ({"last4": "0002"}, {"ann"}),
        ({"last4": "4242"}, {"rosa", "bea"}),
        ({"status": "paid"}, {"rosa"}),
        ({"status": "failed"}, {"ann"}),
        ({"status": "over_max"}, {"larry"}),
        ({"status": "pending"}, {"bea"}),
        ({"status_text": rosa.payment.items.get().confirmation_number}, {"rosa"}),
        ({"status_text": rosa.payment.reference.lower()}, {"rosa"}),
        ({"status_text": "AutoPay maximum"}, {"larry"}),
        ({"kind": "card", "status": "pending"}, {"bea"}),
        ({}, {"rosa", "larry", "ann", "bea"}),
    ]
    for filters, expected in cases:
        assert listed(text(clerk.get(SCREEN, filters)), four) == expected, filters


def test_the_amount_range_filters_what_was_charged_or_is_scheduled(riverton, four, client_for):
    amounts = sorted({sp.charged_amount or sp.amount for sp in four.values()})
    low, high = amounts[1], amounts[-2]
    expected = {name for name, sp in four.items() if low <= (sp.charged_amount or sp.amount) <= high}
    assert 0 < len(expected) < len(four)
    body = text(client_for(riverton.clerk, riverton.tenant).get(SCREEN, {"amount_min": low, "amount_max": high}))
    assert listed(body, four) == expected


def test_bad_filters_are_explained_and_the_others_still_apply(riverton, four, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(SCREEN, {
        "charge_from": "2026-12-01", "charge_to": "2026-11-01", "amount_min": "9", "amount_max": "1",
        "last4": "42x", "status": "bogus", "kind": "ach"}))
    assert "The end date is before the start date." in body and "The largest amount is below the smallest." in body
    assert "Enter the 4 last digits." in body and "Select a valid choice." in body
    assert listed(body, four) == {"larry"}  # the valid filters (from, smallest amount, kind) applied


def workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return sheet, list(sheet.iter_rows(values_only=True))


def test_the_export_has_exactly_the_filtered_rows(riverton, four, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    response = clerk.get(EXPORT, {"kind": "card", "page": "1"})
    assert 'filename="autopay-payments-riverton-' in response["Content-Disposition"]
    sheet, rows = workbook_rows(response)
    assert rows[0] == ("Customer", "Customer email", "Customer number", "Period", "Due date", "Charge date",
                       "Amount", "Method", "Status")
    assert sorted(r[2] for r in rows[1:]) == sorted(four[n].customer_number for n in ("rosa", "ann", "bea"))
    by_number = {r[2]: r for r in rows[1:]}
    rosa = four["rosa"]
    row = by_number[rosa.customer_number]
    assert row[1] == "rosa@example.org" and row[5].date() == rosa.charge_on
    assert Decimal(str(row[6])) == rosa.charged_amount
    assert row[8] == rosa.payment.items.get().confirmation_number
    assert by_number[four["bea"].customer_number][8] == "Pending"
    amount = sheet.cell(row=2, column=7)
    assert amount.data_type == "n" and "$" in amount.number_format and sheet.cell(row=2, column=6).is_date
    assert all(sheet.cell(row=2, column=c).data_type == "s" for c in (1, 2, 3, 8, 9))


def test_the_export_follows_the_status_filter_too(riverton, four, client_for):
    _sheet, rows = workbook_rows(client_for(riverton.clerk, riverton.tenant).get(EXPORT, {"status": "failed"}))
    assert [r[2] for r in rows[1:]] == [four["ann"].customer_number]
    assert rows[1][8] == four["ann"].message


@pytest.mark.parametrize("count", [3, 30])
def test_query_count_does_not_grow_with_the_rows(riverton, own_office, client_for, django_assert_max_num_queries,
                                                 count):
    sim = own_office(riverton, "ap-queries", customers=60, seed=43)
    sim.close_period("ap-queries")
    made = enroll_many(riverton, sim, "ap-queries", count)
    for sp in made[:2]:  # some with a payment and its receipt, so those are read too
        assert charge(sp).state == S.PAID
    clerk = client_for(riverton.clerk, riverton.tenant)
    with django_assert_max_num_queries(11):  # one of them: whether the automatic Schedule Payments waits
        response = clerk.get(SCREEN)
    body = text(response)
    assert response.status_code == 200 and f"{count} AutoPay payments" in body
    assert payments_section(body).count("@residents.example") == count
    with django_assert_max_num_queries(3):
        _sheet, rows = workbook_rows(clerk.get(EXPORT))
    assert len(rows) == count + 1
