"""On a phone (390 px) the office's people, payment and communication lists (Portal Users, Landlords, Failed link
attempts, Completed Payments, Audit log, Utility Communications) show each row as a card: nothing scrolls sideways
and each row's action is on screen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from communications.services import post_communication
from customers.models import LandlordLink

from ..adminpanel.test_audit_screen import entry
from ..adminpanel.test_link_attempts import failed
from ..adminpanel.test_portal_users import add_link
from ..communications.conftest import PDF
from ..factories import PaymentFactory
from .conftest import assert_accessible, office_menu, sign_in
from .phone import assert_no_sideways_scroll, assert_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONG = "a-rather-long-address-{}@residents.example.org"


def some_rows(city, clerk, n=3):
    """A few rows on each screen, with long emails: linked accounts, landlord links, failed attempts, payments,
    audit entries."""
    now = timezone.now()
    for i in range(n):
        link = add_link(city, LONG.format(i), f"00{i}-0{i}0{i}-00", holder=("Maria", "Fernandez-Oyelaran"),
                        first_name="Maria", paper=bool(i % 2))
        LandlordLink.objects.create(tenant=city.tenant, user=link.user, landlord_id=500 + i, account_count=12,
                                    landlord_name="Riverside Property Management Partners LLC",
                                    landlord_kind="landlord", linked_by=clerk)
        failed(city, link.user, number=f"00{i}-0{i}4{i}-00", typed="Fernandes", caselle="Fernandez-Oyelaran",
               when=now - timedelta(hours=i))
        PaymentFactory(city=city, amount="1234.56", fee="37.04", email=LONG.format(i), name="Maria Fernandez",
                       when=now - timedelta(hours=i))
        entry(city, summary="Changed the general portal settings", target="Portal settings", changes={
            "landing_message": ["Welcome to the City of Riverton's online services. " * 4, "Pay your bill here."]})
    post_communication(tenant=city.tenant, pdf_bytes=PDF, filename="fall-2026-newsletter-and-water-rates.pdf",
                       description="Fall 2026 Newsletter: new water rates and the leaf collection calendar",
                       acting_user=clerk)


def open_list(page, name, heading):
    office_menu(page).get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def test_the_office_s_people_lists_are_cards_with_their_actions_on_a_phone(live_server, page, riverton, password):
    some_rows(riverton, riverton.clerk)
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    email = LONG.format(1)

    open_list(page, "Portal Users", "3 linked accounts")
    row = page.get_by_role("row").filter(has_text=email)
    assert_on_screen(row.get_by_role("link", name=f"View as customer {email}"))
    assert_on_screen(row.get_by_role("link", name=f"Unlink account 001-0101-00 from {email}"))
    assert_on_screen(row.locator('td[data-label="Bills"]'))
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    open_list(page, "Landlords", "Landlord Management")
    row = page.get_by_role("row").filter(has_text=email)
    assert_on_screen(row.get_by_role("link", name=f"View as customer {email}"))
    assert_on_screen(row.get_by_role("link", name=f"Remove the link of {email} to Riverside Property"))
    expect(row.locator('td[data-label="Accounts"]')).to_have_text("12")
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    open_list(page, "Failed link attempts", "3 failed attempts")
    row = page.get_by_role("row").filter(has_text="001-0141-00")
    assert_on_screen(row.get_by_role("link", name=f"Link for them ({email})"))
    assert_on_screen(row.get_by_role("cell", name="Fernandez-Oyelaran", exact=True))
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    open_list(page, "Completed Payments", "3 payments")
    row = page.get_by_role("row").filter(has_text=email)
    assert_on_screen(row.get_by_role("link", name=row.locator('td[data-label="Reference"]').inner_text()))
    for label, money in (("Amount", "$1,234.56"), ("Fee", "$37.04"), ("Total", "$1,271.60")):
        cell = row.locator(f'td[data-label="{label}"]')
        expect(cell).to_have_text(money)
        assert_on_screen(cell)
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    open_list(page, "Audit log", "3 entries")
    row = page.get_by_role("row").filter(has_text="Changed the general portal settings").first
    assert_on_screen(row.locator('td[data-label="Changes"]'))
    assert_on_screen(row.get_by_text("Pay your bill here."))
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    open_list(page, "Communications", "Utility Communications")
    row = page.get_by_role("row").filter(has_text="Fall 2026 Newsletter")
    assert_on_screen(row.get_by_role("button", name=re.compile(r"^Email it to customers")))
    assert_on_screen(row.get_by_role("link", name=re.compile(r"^Delete “Fall 2026 Newsletter")))
    assert_on_screen(row.locator('td[data-label="Shown to customers"]'))
    assert_no_sideways_scroll(page)
    assert_accessible(page)
