"""The clerk finds how a period's Email Bills went, on a phone, and sends the failed ones again."""

import pytest
from playwright.sync_api import expect

from communications.outbox.models import OutboundEmail

from ..communications.test_bill_emails_screen import make_run
from .conftest import assert_accessible, office_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_sees_a_periods_figures_and_sends_the_failed_ones_again(live_server, page, riverton, password):
    make_run(riverton, 11, accounts={"queued": 3, "waiting_pdf": 1}, emails={"sent": 2, "failed": 1})
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="Email Bills").click()
    expect(page.get_by_role("heading", name="Email Bills", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="2026-11")
    # Status, paperless accounts, emails queued, sent, failed, waiting for the PDF, unsubscribed.
    for column, text in enumerate(["Done", "4", "3", "2", "1", "1", "0"], start=2):
        expect(row.get_by_role("cell").nth(column)).to_have_text(text)
    assert_accessible(page)

    row.get_by_role("button", name="Send again to the failed ones of period 2026-11").click()
    expect(page.get_by_text("1 bill email of period 2026-11 will be sent again.")).to_be_visible()
    assert OutboundEmail.objects.filter(tenant=riverton.tenant, key__endswith=":again").count() == 1
    assert_accessible(page)

    page.get_by_role("link", name="Email log of period 2026-11").click()
    expect(page.get_by_text("failed0-11@example.org").first).to_be_visible()
