"""The clerk's month when Caselle went down just as the portal saw the close: Scheduled Payments says AutoPay waits
for Caselle and why (on a phone, accessible); once Caselle is back the clerk presses Schedule Payments, and the
automatic run, when its try comes, does nothing more."""

from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from autopay.models import AutomaticSchedule, ScheduledPayment
from autopay.tasks import schedule_waiting
from billing.accounts import periods

from ..adminpanel.autopay_helpers import enroll, saved_method
from ..conftest import link_sample
from .conftest import assert_accessible, office_menu, sign_in
from .phone import assert_no_sideways_scroll, assert_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OFFICE = "ap-waiting"


def test_the_clerk_sees_autopay_waiting_for_caselle_and_schedules_it_once_it_is_back(
        live_server, page, own_office, riverton, larry, password, eager_tasks):
    sim = own_office(riverton, OFFICE, customers=40, seed=82)
    enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident), days=3)
    enroll(riverton, link_sample(sim, riverton, 1, user=larry), saved_method(riverton, larry, bank=True), user=larry)
    periods.poll_period_state(tenant=riverton.tenant)
    sim.close_period(OFFICE)
    sim.set_fault(operation="account_batch", mode="error", status=503, office=OFFICE)  # balances cannot be read
    assert periods.poll_period_state(tenant=riverton.tenant) is True
    row = AutomaticSchedule.objects.get(tenant=riverton.tenant)

    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="Scheduled Payments").click()
    notice = page.get_by_role("status").filter(has_text="Waiting for Caselle")
    expect(notice).to_contain_text(f"Waiting for Caselle to schedule AutoPay for period {row.period_label}: Caselle "
                                   "stopped answering part-way; what was scheduled stays.")
    expect(notice).to_contain_text("It tries again by itself")
    assert_on_screen(notice)
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    sim.clear_faults()  # Caselle is back: the clerk does not wait for the portal's next try
    page.get_by_role("button", name="Schedule Payments").click()
    expect(page.get_by_text(f"Period {row.period_label} is scheduled: 2 scheduled")).to_be_visible()
    expect(page.get_by_text("Waiting for Caselle")).to_have_count(0)
    assert_accessible(page)

    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1), tick=False):
        assert schedule_waiting() == {row.pk: "done"}
    row.refresh_from_db()
    assert row.state == AutomaticSchedule.State.SKIPPED
    assert ScheduledPayment.objects.filter(tenant=riverton.tenant, period_id=row.period_id).count() == 2
