"""The clerk reconciles yesterday's deposit: its payments, a bank's return, totals that match, and Excel."""

from datetime import date, datetime, timedelta

from playwright.sync_api import expect
import pytest
import time_machine
from django.utils import timezone

from ..billing.deposit_helpers import RETURNED_BANK, on, paid, permit
from .conftest import assert_accessible, office_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def business_day_before(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def test_clerk_reconciles_yesterdays_deposit(live_server, page, riverton, password, anon_client, tmp_path):
    # "Today" is the latest day (up to today) whose yesterday was a business day with a deposit.
    today = timezone.localdate(timezone=riverton.tenant.zone)
    while (today - timedelta(days=1)).weekday() >= 5:
        today -= timedelta(days=1)
    yesterday = today - timedelta(days=1)
    paid_on = business_day_before(yesterday)  # settles into yesterday's deposit
    returned_on = business_day_before(business_day_before(paid_on))  # settled earlier, returned yesterday
    with on(riverton, returned_on.year, returned_on.month, returned_on.day):
        returned = paid(riverton, anon_client, items=[permit("80.00")], bank=RETURNED_BANK, payer_name="Lee Bank")
    with on(riverton, paid_on.year, paid_on.month, paid_on.day):
        first = paid(riverton, anon_client, items=[permit("30.00")], payer_name="Rosa Diaz")
        second = paid(riverton, anon_client, items=[permit("120.00")], bank="000123456789", payer_name="Ada Lovelace")
    deposit = first.total + second.total - returned.total

    with time_machine.travel(datetime(today.year, today.month, today.day, 9, tzinfo=riverton.tenant.zone)):
        sign_in(page, live_server, riverton.clerk, password)
        page.get_by_role("link", name="Admin").click()
        office_menu(page).get_by_role("link", name="Deposit Reconciliation").click()
        expect(page.get_by_role("heading", name="Deposit Reconciliation", exact=True)).to_be_visible()
        expect(page.get_by_label("Deposit date")).to_have_value(yesterday.isoformat())
        expect(page.get_by_label("Provider account")).to_have_value(str(first.provider_account_id))
        assert_accessible(page)

        page.get_by_role("button", name="Retrieve Deposits").click()
        expect(page.get_by_role("heading", name="Deposit of " + yesterday.strftime("%A, %b %-d, %Y")
                                + " from General (Sandbox)")).to_be_visible()
        expect(page.get_by_text("The lines add up to the deposit the bank received.")).to_be_visible()
        lines = page.get_by_role("region", name="Lines of the deposit")
        expect(lines.get_by_role("row").filter(has_text=first.reference)).to_contain_text("Rosa Diaz")
        expect(lines.get_by_role("row").filter(has_text=second.reference)).to_contain_text("Ada Lovelace")
        back = lines.get_by_role("row").filter(has_text=returned.reference)
        expect(back).to_contain_text("R01 Insufficient funds")
        expect(back).to_contain_text(f"(${returned.total:,.2f})")
        expect(lines.get_by_role("row", name="Total")).to_contain_text(f"${deposit:,.2f}")
        assert_accessible(page)

        with page.expect_download() as download:
            page.get_by_role("link", name="Export to Excel").click()
        assert download.value.suggested_filename == (
            f"deposit-{yesterday.isoformat()}-riverton-{today.isoformat()}.xlsx")

        # Nothing was paid yesterday, so today brings no deposit: the page says so.
        page.get_by_label("Deposit date").fill(today.isoformat())
        page.get_by_role("button", name="Retrieve Deposits").click()
        expect(page.get_by_text("There is no deposit from General (Sandbox) on")).to_be_visible()
        assert_accessible(page)
