"""Schedule Payments on the office's Scheduled Payments screen: once per closed period, saying what it did."""

import html

import pytest

from autopay.models import ScheduledPayment, ScheduleRun

from ..conftest import link_sample
from .audit_helpers import audit_rows
from .autopay_helpers import enroll, saved_method

SCREEN = "/office/autopay/"
SCHEDULE = "/office/autopay/schedule/"
OFFICE = "ap-schedule"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def enrolled(own_office, riverton, larry):
    """Rosa (card) and Larry (bank account) turned AutoPay on while the ended month was still open."""
    sim = own_office(riverton, OFFICE, customers=40, seed=31)
    numbers = [link_sample(sim, riverton, 0), link_sample(sim, riverton, 1, user=larry)]
    enroll(riverton, numbers[0], saved_method(riverton, riverton.resident), days=3)
    enroll(riverton, numbers[1], saved_method(riverton, larry, bank=True), user=larry, days=5)
    return sim, numbers


def period_rows(city):
    return ScheduledPayment.objects.filter(tenant=city.tenant, created_by__startswith="run:")


def test_schedule_payments_after_the_close_schedules_each_account_and_says_what_it_did(riverton, enrolled,
                                                                                       client_for):
    sim, numbers = enrolled
    sim.close_period(OFFICE)
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.post(SCHEDULE, follow=True))
    run = ScheduleRun.objects.get(tenant=riverton.tenant)
    assert (run.actor, run.actor_user, run.scheduled) == ("clerk", riverton.clerk, 2)
    assert (f"Period {run.period_label} is scheduled: 2 scheduled, 0 due now (charged from the charge hour), "
            "0 with no balance, 0 already scheduled, 0 refused.") in body
    assert f"Last run: period {run.period_label}, on " in body and "by carl@riverton.example." in body
    rows = period_rows(riverton)
    assert {sp.account_key for sp in rows} == set(numbers)
    assert body.count('<td data-label="Status">Pending</td>') == 2
    assert audit_rows(riverton, "autopay.schedule") == [(riverton.clerk, f"period {run.period_label}", {})]
    for sp in rows:
        assert sp.customer_number in body and f"${sp.amount:,.2f}" in body


def test_clicked_twice_the_second_says_who_scheduled_the_period_and_creates_nothing(riverton, enrolled, client_for):
    sim, _numbers = enrolled
    sim.close_period(OFFICE)
    clerk = client_for(riverton.clerk, riverton.tenant)
    clerk.post(SCHEDULE)
    made = list(period_rows(riverton).values_list("id", flat=True))
    run = ScheduleRun.objects.get(tenant=riverton.tenant)
    body = text(clerk.post(SCHEDULE, follow=True))
    assert f"Period {run.period_label} was scheduled on " in body
    assert "by carl@riverton.example: close the next period in Caselle first." in body
    assert list(period_rows(riverton).values_list("id", flat=True)) == made and len(made) == 2
    assert ScheduleRun.objects.filter(tenant=riverton.tenant).count() == 1


def test_with_cows_down_it_says_so_and_creates_nothing(riverton, enrolled, client_for):
    sim, _numbers = enrolled
    sim.close_period(OFFICE)
    sim.set_fault(operation="*", mode="error", status=503, office=OFFICE)
    response = client_for(riverton.clerk, riverton.tenant).post(SCHEDULE, follow=True)
    body = text(response)
    assert response.status_code == 200
    assert "The office's billing system (COWS) cannot be reached" in body and "Nothing was scheduled" in body
    assert not period_rows(riverton).exists() and not ScheduleRun.objects.filter(tenant=riverton.tenant).exists()
    assert "Schedule Payments has not been run yet." in body


def test_a_refused_account_is_listed_with_its_reason(riverton, enrolled, client_for):
    sim, numbers = enrolled
    sim.close_period(OFFICE)
    larrys_number = sim.samples(OFFICE)[1]["customer_number"]
    sim.set_flags(OFFICE, larrys_number, direct_pay=True)  # the office moved Larry to Direct Pay meanwhile
    body = text(client_for(riverton.clerk, riverton.tenant).post(SCHEDULE, follow=True))
    assert "1 scheduled, 0 due now (charged from the charge hour), 0 with no balance, 0 already scheduled, 1 refused." in body
    assert f"{larrys_number}: The account is on Direct Pay in Caselle" in body
    assert {sp.account_key for sp in period_rows(riverton)} == {numbers[0]}


def test_before_any_close_the_screen_says_nothing_was_scheduled_yet(riverton, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(SCREEN))
    assert "Schedule Payments has not been run yet." in body and "0 AutoPay payments" in body
    assert "Every customer on AutoPay has a payment scheduled." in body
