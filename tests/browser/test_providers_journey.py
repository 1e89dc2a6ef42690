"""The clerk confirms who he is to change the payment provider, tests the COWS connection and names the UDFs;
adds a Utility bills account, reconciles its deposit and removes it; on a phone, every page accessible."""

import time
from datetime import datetime, timedelta

from django.utils import timezone
from playwright.sync_api import expect
import pytest
import time_machine

from billing.payments.models import PaymentSettings

from ..billing.deposit_helpers import on, paid, permit, water
from .conftest import assert_accessible, office_menu, read_mails, sign_in
from .test_deposit_journey import business_day_before

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_sets_up_stripe_tests_cows_and_names_the_udfs(live_server, page, cows, riverton, password, mail_dir):
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    # Signed in more than five minutes ago: asked to confirm who he is first, then back on the page.
    traveller = time_machine.travel(time.time() + 301)
    traveller.start()
    office_menu(page).get_by_role("link", name="Payment Providers").click()
    page.get_by_label("Password").fill(password)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()
    traveller.stop()
    expect(page.get_by_role("heading", name="Payment Providers")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Stripe", exact=True).check()
    page.get_by_label("Stripe publishable key").fill("sk_live_WRONGBOX")
    page.get_by_label("Stripe secret key").fill("sk_test_SECRET77")
    page.get_by_label("Stripe webhook signing secret").fill("whsec_HOOK88")
    page.get_by_role("button", name="Save payment provider").click()
    expect(page.get_by_text("This is a secret key: it goes in the secret key box below.")).to_be_visible()
    assert "WRONGBOX" not in page.content()
    assert_accessible(page)

    page.get_by_label("Stripe publishable key").fill("pk_test_PUBLIC42")
    page.get_by_label("Stripe secret key").fill("sk_test_SECRET77")
    page.get_by_label("Stripe webhook signing secret").fill("whsec_HOOK88")
    page.get_by_role("button", name="Save payment provider").click()
    page.get_by_text("The payment provider settings were saved.").wait_for()
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "stripe"
    sent = read_mails(mail_dir)
    assert [m["To"] for m in sent] == ["carl@riverton.example"]
    body = sent[0].get_content()
    assert "Stripe secret key: changed" in body and "SECRET77" not in sent[0].as_string()

    office_menu(page).get_by_role("list", name="Admin", exact=True).get_by_role("link", name="COWS").click()
    page.get_by_role("button", name="Test connection").click()
    page.get_by_text("Connected to City of Riverton.").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Change address or key").click()
    assert page.get_by_label("COWS address").input_value() == cows.office_url("riverton")
    assert_accessible(page)

    office_menu(page).get_by_role("list", name="Utility Admin").get_by_role("link", name="Payment", exact=True).click()
    page.get_by_label("UDF that blocks card payments").fill("NO CARDS")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("The payment blocking settings were saved.").wait_for()
    assert_accessible(page)
    assert PaymentSettings.objects.get(tenant=riverton.tenant).udf_block_card == "NO CARDS"


def test_clerk_adds_a_utility_bills_account_reconciles_its_deposit_then_removes_it(live_server, page, riverton,
                                                                                     password, anon_client):
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="Payment Providers").click()
    utility = page.get_by_role("region", name="Utility bills account (optional)")
    expect(utility.get_by_text("None: every payment goes to the General account.")).to_be_visible()
    expect(utility.get_by_label("Name of the Utility bills account")).to_have_value("Utility")
    utility.get_by_role("button", name="Add Utility bills account").click()
    expect(page.get_by_text("The Utility bills account was saved.")).to_be_visible()
    expect(utility.get_by_text("In use: Utility (Sandbox).")).to_be_visible()
    assert_accessible(page)

    # A utility bill paid on a business day lands in the Utility account's deposit of the next business day.
    today = timezone.localdate(timezone=riverton.tenant.zone)
    while (today - timedelta(days=1)).weekday() >= 5:
        today -= timedelta(days=1)
    yesterday = today - timedelta(days=1)
    paid_on = business_day_before(yesterday)
    with on(riverton, paid_on.year, paid_on.month, paid_on.day):
        bill = paid(riverton, anon_client, items=[water("42.10")], payer_name="Rosa Diaz")
        other = paid(riverton, anon_client, items=[permit("9.00")], payer_name="Ada Lovelace")

    with time_machine.travel(datetime(today.year, today.month, today.day, 9, tzinfo=riverton.tenant.zone)):
        office_menu(page).get_by_role("link", name="Deposit Reconciliation").click()
        page.get_by_label("Provider account").select_option(label="Utility (Sandbox)")
        page.get_by_role("button", name="Retrieve Deposits").click()
        expect(page.get_by_role("heading", name="Deposit of " + yesterday.strftime("%A, %b %-d, %Y")
                                + " from Utility (Sandbox)")).to_be_visible()
        lines = page.get_by_role("region", name="Lines of the deposit")
        expect(lines.get_by_role("row").filter(has_text=bill.reference)).to_contain_text("Rosa Diaz")
        expect(lines.get_by_role("row").filter(has_text=other.reference)).to_have_count(0)
        assert_accessible(page)

    office_menu(page).get_by_role("link", name="Payment Providers").click()
    page.get_by_role("link", name="Remove Utility bills account").click()
    expect(page.get_by_role("heading", name="Remove the Utility bills account")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("The Utility bills account was removed.")).to_be_visible()

    office_menu(page).get_by_role("link", name="Deposit Reconciliation").click()
    page.get_by_label("Provider account").select_option(label="Utility (Sandbox) (retired)")
    page.get_by_label("Deposit date").fill(yesterday.isoformat())
    page.get_by_role("button", name="Retrieve Deposits").click()
    expect(page.get_by_role("region", name="Lines of the deposit").get_by_role("row").filter(
        has_text=bill.reference)).to_be_visible()
    assert_accessible(page)
