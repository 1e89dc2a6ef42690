"""The clerk sends a newsletter to all portal users with the rates PDF (a Utility Communication) attached, and
watches the progress bar reach done; a real Celery worker queues it and the outbox delivers it to a real SMTP server."""

import pytest
from playwright.sync_api import expect

from communications.services import post_communication

from ..communications.campaign_helpers import make_people
from ..communications.conftest import PDF
from .conftest import assert_accessible, office_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_sends_the_rates_to_all_portal_users_and_watches_it_go(live_server, page, riverton, password,
                                                                     smtp_sink, settings, celery_workers,
                                                                     monkeypatch):
    settings.OUTBOX_DELIVERY = "worker"
    monkeypatch.setenv("PRIVATE_FILES_ROOT", str(settings.PRIVATE_FILES_ROOT))  # the worker reads the PDF there
    post_communication(tenant=riverton.tenant, pdf_bytes=PDF, filename="2026-water-rates.pdf",
                       description="2026 Water Rates", acting_user=riverton.clerk)
    make_people(riverton.tenant, 30)

    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin", exact=True).click()
    office_menu(page).get_by_role("link", name="Create Communications").click()
    expect(page.get_by_role("heading", name="Create Communications")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Write a new mass email").click()
    expect(page.get_by_role("heading", name="New mass email")).to_be_visible()

    page.get_by_label("Subject", exact=True).fill("New water rates for {first_name}")
    page.wait_for_load_state()
    page.get_by_role("textbox", name="Body").click()
    page.keyboard.type("The new water rates start July 1. The rate sheet is attached.")
    pdf_file = page.get_by_label("PDF file")
    communications = page.get_by_label("Utility Communication", exact=True)
    expect(pdf_file).to_be_hidden()  # "No attachment" is chosen: neither field shows
    expect(communications).to_be_hidden()
    page.get_by_label("A PDF from my computer").check()
    expect(pdf_file).to_be_visible()
    page.get_by_label("A current Utility Communication").check()
    expect(pdf_file).to_be_hidden()
    expect(communications).to_be_visible()
    page.get_by_label("A current Utility Communication").focus()
    page.keyboard.press("Tab")  # by keyboard: from the choice straight to its own field
    expect(communications).to_be_focused()
    page.get_by_label("Utility Communication", exact=True).select_option(label="2026 Water Rates")
    expect(page.get_by_label("All portal users")).to_be_checked()
    counter = page.locator("#id_text_body_count")
    expect(counter).to_have_attribute("aria-live", "polite")
    # 7 × 27 characters, the last space trimmed as the server trims it
    page.get_by_label("Text message", exact=True).fill("Water rates change July 1. " * 7)
    expect(counter).to_have_text("188 characters: 2 texts.")
    page.get_by_label("Text message", exact=True).fill("A")
    expect(counter).to_have_text("1 character: 1 text.")
    page.get_by_label("Text message", exact=True).fill("")
    expect(counter).to_have_text("No text message yet.")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("button", name="Review and send").click()

    expect(page.get_by_text("It will be emailed to 32 people (All portal users).")).to_be_visible()
    expect(page.get_by_text("Attached: 2026 Water Rates.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send to 32 people").click()

    expect(page.get_by_role("heading", name="New water rates for {first_name}")).to_be_visible()
    bar = page.locator("progress#campaign-bar")
    expect(bar).to_be_visible()
    stop = page.get_by_role("button", name="Stop sending the rest")
    expect(stop).to_be_visible()  # no worker yet: the campaign waits, queuing
    celery_workers()
    expect(page.get_by_text("32 of 32 done (100%).")).to_be_visible(timeout=90_000)  # htmx polls every 2 s
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator("#campaign-progress .campaign-state strong")).to_have_text("Sent")
    # The polled part carries the whole state: without a reload, the Stop button and the Refresh hint are gone.
    expect(stop).to_have_count(0)
    expect(page.get_by_role("link", name="Refresh")).to_have_count(0)
    expect(page.get_by_role("link", name="See its emails in the Email log")).to_be_visible()
    assert_accessible(page)

    smtp_sink.wait_for(32, timeout=30)
    assert len(set(smtp_sink.recipients())) == 32
    one = next(m for m in smtp_sink.messages() if m["To"] == "person7@riverton.example")
    assert one["Subject"] == "New water rates for First7"
    [attached] = list(one.iter_attachments())
    assert attached.get_filename() == "2026-water-rates.pdf" and attached.get_content() == PDF

    office_menu(page).get_by_role("link", name="Create Communications").click()
    row = page.get_by_role("row", name="New water rates for {first_name}")
    expect(row.get_by_role("cell").nth(2)).to_have_text("32")  # recipients
    expect(row.get_by_role("cell").nth(3)).to_have_text("32")  # sent
