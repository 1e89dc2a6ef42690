"""The clerk finds a payment Caselle could not take, and posts it with Retry Now."""

import re

from playwright.sync_api import expect
import pytest

from billing.payments import posting
from billing.payments.models import PaymentItem

from ..billing.payhelpers import pay
from ..conftest import link_sample
from .conftest import assert_accessible, office_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_retries_a_pending_payment(live_server, page, cows, riverton, password, client_for):
    account = link_sample(cows, riverton)
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "42.00")
    cows.set_fault(operation="post_receipt", mode="error", status=503, office="riverton")
    posting.post_payment_items(payment_id=payment.id)
    item = PaymentItem.objects.get(payment=payment)
    assert item.post_state == "waiting" and item.last_error
    cows.clear_faults()

    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="Pending Payments").click()
    expect(page.get_by_role("heading", name="Pending Payments", exact=True)).to_be_visible()
    row = page.get_by_role("listitem").filter(has_text=item.reference)
    expect(row).to_be_visible()
    expect(row.get_by_text(item.last_error)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Retry Now").click()
    page.get_by_text("1 payment was posted to Cash Receipting.").wait_for()
    expect(page.get_by_text("Nothing is waiting: every payment reached Cash Receipting.")).to_be_visible()
    assert_accessible(page)
    item.refresh_from_db()
    assert item.post_state == "posted"
    assert cows.get(f"/receipts/{item.reference}", office="riverton").json()["confirmation_number"] == \
        item.confirmation_number

    office_menu(page).get_by_role("link", name="Completed Payments", exact=True).click()
    expect(page.get_by_role("cell", name=item.confirmation_number)).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"\$42\.00")).first).to_be_visible()
    assert_accessible(page)

    office_menu(page).get_by_role("list", name="Admin", exact=True).get_by_role("link", name="Payment", exact=True).click()
    expect(page.get_by_role("heading", name="Payment", exact=True)).to_be_visible()
    page.get_by_label("Card: percent of the amount").fill("3.5")
    page.locator("#fee-preview").get_by_text("$103.50").wait_for()  # the preview follows as the fee is typed
    assert_accessible(page)

    # A bad fee is refused with its reason, on an accessible page, and nothing is saved.
    page.get_by_label("Card: percent of the amount").fill("50")
    page.get_by_role("button", name="Save payment settings").click()
    expect(page.get_by_text("A service fee can be at most 10 percent.")).to_be_visible()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    assert_accessible(page)
    riverton.tenant.payment_settings.refresh_from_db()
    assert str(riverton.tenant.payment_settings.card_fee_percent) == "2.95"
