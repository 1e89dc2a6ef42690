"""The clerk moves the payment reminder to 2 days before the due date at 7:00 and sees the next run follow."""

from datetime import time

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from communications.events.models import EmailEvent
from communications.events.services import next_run_at

from .conftest import assert_accessible, office_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shown(event) -> str:
    """The next run as the screen writes it, in the city's time."""
    return date_format(timezone.localtime(next_run_at(event=event), timezone=event.tenant.zone), "M j, Y g:i A")


def test_clerk_sets_payment_due_to_2_days_at_7_00(live_server, page, riverton, password):
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="Email Events").click()
    expect(page.get_by_role("heading", name="Email Events")).to_be_visible()
    row = page.locator("#event-payment_due")
    expect(row).to_contain_text("6:00 AM")
    expect(row).to_contain_text("3 days before the due date")
    event = EmailEvent.objects.get(tenant=riverton.tenant, kind="payment_due")
    before = shown(event)
    expect(row.locator("[data-next-run]")).to_have_text(before)
    expect(page.locator("#event-past_due")).to_contain_text("1 day after the due date")
    assert_accessible(page)

    row.get_by_role("link", name="Payment Due").click()
    expect(page.get_by_role("heading", name="Payment Due")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Days before the due date").fill("99")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a whole number of days from 0 to 30.")).to_be_visible()
    expect(page.get_by_text("Nothing was saved.")).to_be_visible()
    assert_accessible(page)
    assert EmailEvent.objects.get(pk=event.pk).days == 3

    page.get_by_label("Time of day").fill("07:00")
    page.get_by_label("Days before the due date").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The Email Event “Payment Due” was saved.")).to_be_visible()
    row = page.locator("#event-payment_due")
    expect(row).to_contain_text("7:00 AM")
    expect(row).to_contain_text("2 days before the due date")
    event.refresh_from_db()
    assert (event.send_at, event.days) == (time(7, 0), 2)
    after = shown(event)
    assert after != before and after.endswith("7:00 AM")
    expect(row.locator("[data-next-run]")).to_have_text(after)
    assert_accessible(page)
