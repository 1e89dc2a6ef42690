"""The clerk confirms who he is to change the payment provider, tests the COWS connection and names the UDFs,
on a phone, every page accessible."""

import time

from playwright.sync_api import expect
import pytest
import time_machine

from billing.payments.models import PaymentSettings

from .conftest import assert_accessible, office_menu, read_mails, sign_in

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
