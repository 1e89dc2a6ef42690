"""On a phone (390 px) the office's Email log, Email Bills and Email Events tables, the Overview's sign-ups, a
payment's items and history and the COWS outages show each row's status and figures without scrolling sideways (each
row a card under 600 px, cells under their headings); on a desktop (1280 px) the widest tables, Completed Payments,
Portal Users and a deposit's lines, fit their box with their last column on screen."""

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from billing.payments.models import Payment
from communications.outbox.models import OutboundEmail

from ..adminpanel.test_cows_settings import go_down
from ..billing.deposit_helpers import RETURNED_BANK, on, paid, permit
from ..communications.test_bill_emails_screen import make_run
from ..factories import PaymentFactory
from .conftest import assert_accessible, office_menu, sign_in
from .phone import assert_no_sideways_scroll, assert_on_screen
from .test_deposit_journey import business_day_before
from .test_office_people_phone import LONG, open_list, some_rows

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


# --- a desktop (1280 px): the widest office tables fit their box, last column on screen -------------------------

DESKTOP = 1280


def a_deposit(city, anon_client):
    """Two payments settling into yesterday's deposit and a bank's return from earlier (as the deposit journey);
    returns (today, yesterday): the day to browse on and the deposit's day."""
    today = timezone.localdate(timezone=city.tenant.zone)
    while (today - timedelta(days=1)).weekday() >= 5:
        today -= timedelta(days=1)
    yesterday = today - timedelta(days=1)
    paid_on = business_day_before(yesterday)
    returned_on = business_day_before(business_day_before(paid_on))
    with on(city, returned_on.year, returned_on.month, returned_on.day):
        paid(city, anon_client, items=[permit("80.00")], bank=RETURNED_BANK, payer_name="Lee Bank")
    with on(city, paid_on.year, paid_on.month, paid_on.day):
        paid(city, anon_client, items=[permit("30.00")], payer_name="Maria Fernandez-Oyelaran")
        paid(city, anon_client, items=[permit("120.00")], bank="000123456789", payer_name="Ada Lovelace")
    return today, yesterday


def assert_table_fits(page, region, last_cell):
    """The table needs no sideways scroll in its box on a desktop, and the cell of its last column is on screen."""
    page.wait_for_load_state()  # its style sheet too
    wrap = page.get_by_role("region", name=region)
    scroll, box = wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    assert scroll <= box, f"{region}: the table is {scroll} px wide in a {box} px box"
    assert_on_screen(last_cell, DESKTOP)
    assert_no_sideways_scroll(page, DESKTOP)


def test_the_widest_office_tables_fit_a_desktop(live_server, page, riverton, password, anon_client):
    some_rows(riverton, riverton.clerk)  # payments and linked accounts of people with long emails
    for i in range(3):
        PaymentFactory(city=riverton, items=3, amount="98765.43", fee="2962.96", email=LONG.format(f"failed-{i}"),
                       name="Maria Fernandez-Oyelaran", state=Payment.State.FAILED,
                       failure_reason="Your card was declined: the bank refused the charge (do_not_honor)")
    today, yesterday = a_deposit(riverton, anon_client)
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    with time_machine.travel(datetime(today.year, today.month, today.day, 9, tzinfo=riverton.tenant.zone)):
        sign_in(page, live_server, riverton.clerk, password)
        page.get_by_role("link", name="Admin").click()

        open_list(page, "Completed Payments", "9 payments")
        row = page.get_by_role("row").filter(has_text=LONG.format(1))
        assert_table_fits(page, "9 payments", row.locator('td[data-label="Confirmation numbers"]'))
        for label in ("Amount", "Fee", "Total", "Method", "State"):
            assert_on_screen(row.locator(f'td[data-label="{label}"]'), DESKTOP)
        failed = page.get_by_role("row").filter(has_text=LONG.format("failed-1"))
        expect(failed.locator('td[data-label="Total"]')).to_have_text("$101,728.39")
        assert_on_screen(failed.locator('td[data-label="Total"]'), DESKTOP)
        assert_on_screen(failed.get_by_text("(do_not_honor)"), DESKTOP)

        open_list(page, "Portal Users", "3 linked accounts")
        row = page.get_by_role("row").filter(has_text=LONG.format(1))
        assert_table_fits(page, "3 linked accounts",
                          row.get_by_role("link", name=f"Unlink account 001-0101-00 from {LONG.format(1)}"))

        open_list(page, "Deposit Reconciliation", "Deposit Reconciliation")
        page.get_by_label("Deposit date").fill(yesterday.isoformat())
        page.get_by_role("button", name="Retrieve Deposits").click()
        lines = page.get_by_role("region", name="Lines of the deposit")
        row = lines.get_by_role("row").filter(has_text="Maria Fernandez-Oyelaran")
        assert_table_fits(page, "Lines of the deposit", row.locator('td[data-label="Provider reference"]'))
        assert_on_screen(row.locator('td[data-label="Net"]'), DESKTOP)
        assert_accessible(page)


# --- a phone: the Overview's sign-ups, a payment's items and history, COWS outages are cards --------------------

def test_sign_ups_a_payment_s_history_and_cows_outages_are_cards_on_a_phone(live_server, page, riverton, password,
                                                                           anon_client):
    some_rows(riverton, riverton.clerk)
    payment = paid(riverton, anon_client, items=[permit("30.00")], payer_name="Maria Fernandez-Oyelaran")
    go_down(riverton, "COWS could not be reached (ConnectionError: HTTPSConnectionPool(host='cows.riverton.example',"
                      " port=443): Max retries exceeded with url: /api/accounts/0010101-00/balance)")
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()

    expect(page.get_by_role("heading", name="Recent sign-ups")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=LONG.format(2))
    assert_on_screen(row.locator('td[data-label="Joined"]'))
    assert_on_screen(row.get_by_text(LONG.format(2)))
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    open_list(page, "Completed Payments", "4 payments")
    page.get_by_role("link", name=payment.reference).click()
    expect(page.get_by_role("heading", name=f"Payment {payment.reference}")).to_be_visible()
    items = page.get_by_role("region", name="What it pays for")
    assert_on_screen(items.locator('td[data-label="Amount"]'))
    assert_on_screen(items.locator('td[data-label="Posting"]'))
    history = page.get_by_role("region", name="History")
    expect(history.get_by_role("row")).to_have_count(1 + payment.events.count())
    expect(history.locator('td[data-label="When"]').first).to_have_text(  # the date, then the time to the second
        re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$"))
    assert_on_screen(history.locator('td[data-label="Who"]').last)
    assert_on_screen(history.locator('td[data-label="Why"]').last)
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    office_menu(page).get_by_role("link", name="COWS", exact=True).click()
    outages = page.get_by_role("region", name="Outages")
    assert_on_screen(outages.get_by_text("Still down"))
    assert_on_screen(outages.locator('td[data-label="Last error"]'))
    expect(outages.locator('td[data-label="Last error"]')).to_contain_text("/balance)")
    assert_no_sideways_scroll(page)
    assert_accessible(page)
