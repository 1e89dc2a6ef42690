"""The clerk's office morning: posts the newsletter and corrects it with the pencil, sets the Home Screen Message,
follows the Overview's payments of today to their list; the resident then finds both on the portal."""

from datetime import timedelta

from playwright.sync_api import expect
import pytest

from django.utils import timezone

from adminpanel.models import AuditEntry
from communications.selectors import city_today
from customers.models import LandlordLink

from ..adminpanel.autopay_helpers import enroll, saved_method
from ..adminpanel.test_link_attempts import failed
from ..communications.conftest import PDF, post  # noqa: F401  (the fixture)
from ..conftest import link_sample
from ..factories import PaymentFactory
from .conftest import assert_accessible, city_url, office_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def check_both_widths(page) -> None:
    """No serious accessibility problem on a phone, nor on a desktop screen."""
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)


def test_clerk_posts_the_newsletter_sets_the_home_message_and_follows_the_overview(live_server, page, riverton,
                                                                                     password, tmp_path):
    newsletter = tmp_path / "fall-newsletter.pdf"
    newsletter.write_bytes(PDF)
    flier = tmp_path / "flier.pdf"
    flier.write_bytes(b"<html><body>Not a PDF</body></html>")
    payment = PaymentFactory(city=riverton, amount="42.00", email="rosa@example.org")
    expiry = city_today(tenant=riverton.tenant) + timedelta(days=60)

    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin", exact=True).click()
    office_menu(page).get_by_role("link", name="Communications", exact=True).click()
    expect(page.get_by_role("heading", name="Utility Communications")).to_be_visible()
    page.get_by_label("PDF files").set_input_files([newsletter, flier])
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("flier.pdf was not uploaded: This file is not a PDF.").wait_for()
    expect(page.get_by_text("1 communication was posted: fall-newsletter.pdf.")).to_be_visible()
    listed = page.get_by_role("region", name="Posted communications")
    expect(listed.get_by_role("row").filter(has_text="fall-newsletter")).to_be_visible()
    check_both_widths(page)

    page.get_by_role("link", name="Edit “fall-newsletter”").click()
    page.get_by_label("Description").fill("Fall 2026 Newsletter")
    page.get_by_label("Expires on (optional)").fill("2020-01-01")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Choose an expiry date after today").wait_for()
    assert page.get_by_label("Expires on (optional)").get_attribute("aria-invalid") == "true"
    check_both_widths(page)
    page.get_by_label("Expires on (optional)").fill(expiry.isoformat())
    page.get_by_role("button", name="Save").click()
    page.get_by_text("“Fall 2026 Newsletter” was saved.").wait_for()
    row = page.get_by_role("region", name="Posted communications").get_by_role("row").filter(
        has_text="Fall 2026 Newsletter")
    expect(row.get_by_text("Linked from bill emails (newest current)")).to_be_visible()
    expect(row.get_by_text(f"Until it expires on {expiry:%b} {expiry.day}, {expiry.year}")).to_be_visible()

    office_menu(page).get_by_role("link", name="Home Screen Message").click()
    page.get_by_label("Home Screen Message").fill("Our Fall 2026 Newsletter is under Communications.\n"
                                                  "Go paperless: choose Enroll in Paperless below.")
    page.get_by_role("button", name="Save message").click()
    page.get_by_text("The Home Screen Message was saved.").wait_for()
    check_both_widths(page)

    office_menu(page).get_by_role("link", name="Overview").click()
    check_both_widths(page)
    page.get_by_role("link", name="1 Payments today").click()
    page.get_by_role("heading", name="Completed Payments").wait_for()
    expect(page.get_by_text(payment.reference)).to_be_visible()
    assert "date_from=" in page.url and "date_to=" in page.url

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, riverton.resident, password)
    page.goto(city_url(live_server, "riverton", "/communications/"))
    expect(page.get_by_role("rowheader", name="Fall 2026 Newsletter")).to_be_visible()
    expect(page.get_by_text("flier")).to_have_count(0)
    page.goto(city_url(live_server, "riverton", "/utility/"))
    message = page.get_by_role("region", name="Message from the utility office")
    expect(message.get_by_text("Our Fall 2026 Newsletter is under Communications.")).to_be_visible()
    expect(message.get_by_text("Go paperless: choose Enroll in Paperless below.")).to_be_visible()
    check_both_widths(page)


TABLE_PAGES = ["/office/utility/portal-users/", "/office/utility/link-attempts/", "/office/settings/staff/",
               "/office/autopay/customers/", "/office/utility/landlords/", "/office/utility/communications/",
               "/office/settings/audit/"]
WIDTHS = """() => ({page: document.documentElement.scrollWidth,
                    menus: [...document.querySelectorAll('.admin-menu ul')].map(u => u.scrollWidth - u.clientWidth)})"""


def test_on_a_phone_the_office_menu_starts_closed_and_no_page_scrolls_sideways(
        live_server, page, riverton, larry, password, own_office, post):
    sim = own_office(riverton, "office-phone", customers=40, seed=61)
    sim.close_period("office-phone")
    enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident), days=3)
    failed(riverton, riverton.resident)
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=5, landlord_name="Acme Rentals",
                                landlord_kind="landlord", account_count=4)
    post(riverton, "Fall 2026 Newsletter")
    message = "Welcome to the City of Riverton's online services. Pay your bill and see your usage. " * 12
    AuditEntry.objects.create(tenant=riverton.tenant, at=timezone.now(), actor=riverton.clerk,
                              actor_email=riverton.clerk.email, action="settings.general", ip="127.0.0.1",
                              summary="Changed the general portal settings", changes={
                                  "landing_message": [message, message + "New."]})
    sign_in(page, live_server, riverton.clerk, password)
    page.goto(city_url(live_server, "riverton", "/office/"))
    page.wait_for_load_state("domcontentloaded")

    # Closed on load: one line naming this page, the page's own heading right under it.
    nav = page.get_by_role("navigation", name="Office")
    summary = nav.get_by_text("Office menu: Overview")
    expect(summary).to_be_visible()
    expect(nav.get_by_role("link", name="Pending Payments")).to_be_hidden()
    line = summary.bounding_box()
    assert page.get_by_role("heading", name="Portal overview").bounding_box()["y"] - (line["y"] + line["height"]) < 60
    summary.focus()
    page.keyboard.press("Enter")  # opens from the keyboard: both menus, wrapped, nothing sideways
    expect(nav.get_by_role("link", name="Pending Payments")).to_be_visible()
    expect(nav.get_by_role("link", name="Communications", exact=True)).to_be_visible()
    assert page.evaluate(WIDTHS) == {"page": PHONE["width"], "menus": [0, 0]}
    assert_accessible(page)

    for path in TABLE_PAGES:  # hidden labels in a table stay inside its scroll box
        page.goto(city_url(live_server, "riverton", path))
        page.wait_for_load_state("domcontentloaded")
        assert page.get_by_role("table").count() >= 1, path
        assert page.evaluate(WIDTHS)["page"] == PHONE["width"], path
        assert nav.locator("details").get_attribute("open") is None, path

    # On a desktop the summary is hidden and the menus show as rows that wrap (also after a phone closed them).
    page.set_viewport_size(DESKTOP)
    nav.get_by_role("link", name="Pending Payments").wait_for()  # opened again by the script
    expect(nav.locator("summary")).to_be_hidden()
    assert page.evaluate(WIDTHS) == {"page": DESKTOP["width"], "menus": [0, 0]}
    assert_accessible(page)
    # The audit log's long before/after wrap, and the failed link attempts fit, on a desktop: no table scrolls.
    for path in ("/office/settings/audit/", "/office/utility/link-attempts/"):
        page.goto(city_url(live_server, "riverton", path))
        table = page.get_by_role("table")
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth"), path
    expect(page.get_by_role("link", name="Link for them")).to_be_visible()
