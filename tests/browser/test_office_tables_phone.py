"""On a phone (390 px) the office's Email log, Email Bills and Email Events tables show each row's status and
figures without scrolling sideways (each row a card under 600 px, cells under their headings)."""

import pytest
from playwright.sync_api import expect

from communications.outbox.models import OutboundEmail

from ..communications.test_bill_emails_screen import make_run
from .conftest import assert_accessible, office_menu, sign_in
from .phone import assert_no_sideways_scroll, assert_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def make_emails(city, n=3):
    for i in range(n):
        OutboundEmail.objects.create(tenant=city.tenant, kind="receipt", category="transactional",
                                     to=f"a-rather-long-address-{i}@residents.example.org",
                                     subject="Your payment receipt from the City of Riverton", text="Thanks",
                                     key=f"receipt:{i}", state="failed" if i else "sent",
                                     last_error="550 mailbox unavailable" if i else "")


def test_the_office_s_email_tables_show_status_and_figures_on_a_phone(live_server, page, riverton, password):
    make_emails(riverton)
    make_run(riverton, 11, accounts={"queued": 3, "waiting_pdf": 1}, emails={"sent": 2, "failed": 1})
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()

    office_menu(page).get_by_role("link", name="Email log").click()
    expect(page.get_by_role("heading", name="Email log", exact=True)).to_be_visible()
    assert_on_screen(page.locator("td").filter(has_text="550 mailbox unavailable").first.get_by_text("Failed"))
    assert_on_screen(page.locator("td").get_by_text("Sent", exact=True).first)
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    office_menu(page).get_by_role("link", name="Email Bills").click()
    expect(page.get_by_role("heading", name="Email Bills", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="2026-11")
    assert_on_screen(row.get_by_role("cell", name="2026-11", exact=True))
    for label, figure in (("Status", "Done"), ("Sent", "2"), ("Failed", "1")):
        cell = row.locator(f'td[data-label="{label}"]')
        expect(cell).to_contain_text(figure)
        assert_on_screen(cell)
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    office_menu(page).get_by_role("link", name="Email Events").click()
    expect(page.get_by_role("heading", name="Email Events", exact=True)).to_be_visible()
    for kind in ("payment_due", "past_due"):
        assert_on_screen(page.locator(f"#event-{kind} td").first)  # the Status: On or Off
        assert_on_screen(page.locator(f"#event-{kind} td[data-next-run]"))
    assert_no_sideways_scroll(page)
    assert_accessible(page)
