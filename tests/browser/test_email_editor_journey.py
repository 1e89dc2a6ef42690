"""The clerk posts the newsletter, then puts its link in the Utility Bills billing email with the <#> picker, sees it
in the preview, saves, and sends herself a test; all by mouse and keyboard, on a phone and a desktop screen."""

import re

from playwright.sync_api import expect
import pytest

from communications.models import EmailTemplate

from ..communications.conftest import PDF
from .conftest import assert_accessible, office_menu, read_mails, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def check_both_widths(page) -> None:
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)


def test_clerk_puts_the_newest_communication_in_the_utility_bills_email(live_server, page, riverton, password,
                                                                         mail_dir, tmp_path):
    newsletter = tmp_path / "winter-newsletter.pdf"
    newsletter.write_bytes(PDF)

    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin", exact=True).click()
    office_menu(page).get_by_role("link", name="Communications", exact=True).click()
    page.get_by_label("PDF files").set_input_files([newsletter])
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("1 communication was posted").wait_for()

    office_menu(page).get_by_role("link", name="Billing Emails").click()
    expect(page.get_by_role("heading", name="Billing Emails")).to_be_visible()
    check_both_widths(page)
    page.get_by_role("link", name="Utility Bills").click()
    expect(page.get_by_role("heading", name="Utility Bills")).to_be_visible()
    expect(page.get_by_text("LatestCommunicationLink points to “winter-newsletter”").first).to_be_visible()

    # The body is a rich-text box; the textarea it stands for is hidden (once rich_text.js has run).
    page.wait_for_load_state()
    body = page.get_by_role("textbox", name="Body")
    toolbar = page.get_by_role("toolbar", name="Formatting")
    assert page.locator("textarea[name=body]").is_hidden()
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    toolbar.get_by_role("button", name="Bold").click()
    assert toolbar.get_by_role("button", name="Bold").get_attribute("aria-pressed") == "true"
    page.keyboard.type("News from the office:")
    toolbar.get_by_role("button", name="Bold").click()
    page.keyboard.type(" ")

    # The guide's <#> button: the list of this email's variables; LatestCommunicationLink goes where the cursor was.
    picker = page.get_by_role("button", name="Insert a variable")
    picker.click()
    assert picker.get_attribute("aria-expanded") == "true"
    page.get_by_role("button", name=re.compile(r"^LatestCommunicationLink")).click()
    assert picker.get_attribute("aria-expanded") == "false"
    # Chromium writes bold as <b> (the server keeps it as <strong>) and the space before the variable as &nbsp;.
    assert re.search(r"<b>News from the office:</b>(\s|&nbsp;)\{LatestCommunicationLink\}</p>$", body.inner_html())

    # By keyboard, into the subject: the menu opens on its first variable, arrows move, Enter chooses.
    subject = page.get_by_label("Subject", exact=True)
    subject.click()
    page.keyboard.press("End")
    page.keyboard.type(" (")
    picker.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.keyboard.type(")")
    assert subject.input_value() == "Your {city} utility bill for account {customer_number} ({customer_number})"
    check_both_widths(page)

    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Email body")
    links = preview.get_by_role("link", name="winter-newsletter")
    expect(links).to_have_count(2)  # the default words' "Read the latest…" and the one the clerk put in
    link = links.last
    communication_id = re.search(r"/communications/(\d+)/pdf/$", link.get_attribute("href")).group(1)
    expect(preview.locator("strong", has_text="News from the office:")).to_be_visible()
    expect(page.get_by_text("Your City of Riverton utility bill for account 001-0042-00 (001-0042-00)")).to_be_visible()
    assert not EmailTemplate.objects.filter(tenant=riverton.tenant).exists()  # a preview saves nothing
    check_both_widths(page)

    page.get_by_role("button", name="Save").click()
    page.get_by_text("The email “Utility Bills” was saved.").wait_for()
    saved = EmailTemplate.objects.get(tenant=riverton.tenant, kind="bill_utility")
    assert re.search(r"<p><strong>News from the office:</strong>(\s|&nbsp;)\{LatestCommunicationLink\}</p>$",
                     saved.body)
    expect(page.get_by_text("Your own words, saved")).to_be_visible()

    page.get_by_role("button", name=re.compile(r"^Send me a test")).click()
    page.get_by_text("A test was sent to carl@riverton.example").wait_for()
    [sent] = read_mails(mail_dir)
    assert sent["To"] == "carl@riverton.example"
    assert sent["Subject"] == "[Test] Your City of Riverton utility bill for account 001-0042-00 (001-0042-00)"
    text, html = sent.get_body(("plain",)).get_content(), sent.get_body(("html",)).get_content()
    address = f"/communications/{communication_id}/pdf/"
    assert re.search(rf"News from the office:\s+winter-newsletter \(http://riverton\.localhost{address}\)", text)
    assert f'{address}" rel="noopener noreferrer">winter-newsletter</a>' in html
