"""Customers with AutoPay enabled but no scheduled payment, each with the reason it waits."""

import html

from autopay import charging
from autopay.models import Enrollment, ScheduledPayment

from ..conftest import link_sample
from .autopay_helpers import enroll, saved_method

SCREEN = "/office/autopay/"


def waiting_section(client) -> str:
    body = html.unescape(client.get(SCREEN).content.decode())
    return body.split('id="waiting-heading"', 1)[1].split('id="settings-heading"', 1)[0]


def test_an_account_enrolled_after_the_due_date_with_nothing_due_waits_for_the_next_close(riverton, own_office,
                                                                                         client_for):
    # The ended month is still open: the last bill's due date has passed and Rosa paid it.
    sim = own_office(riverton, "ap-wait-open", customers=40, seed=51)
    result = enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident))
    result.enrollment.refresh_from_db()
    assert (result.outcome, result.enrollment.waiting_reason) == ("no_balance", Enrollment.Waiting.AFTER_DUE)
    waiting = waiting_section(client_for(riverton.clerk, riverton.tenant))
    assert result.enrollment.customer_number in waiting and "rosa@example.org" in waiting
    assert "Enrolled after the due date with nothing due: the first payment is scheduled when the next period " \
           "closes" in waiting


def test_an_account_whose_payment_is_scheduled_does_not_wait_and_once_paid_waits_as_processed(
        riverton, own_office, client_for):
    sim = own_office(riverton, "ap-wait-paid", customers=40, seed=52)
    sim.close_period("ap-wait-paid")
    result = enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident))
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert result.outcome == "scheduled"
    assert result.enrollment.customer_number not in waiting_section(clerk)
    assert "Every customer on AutoPay has a payment scheduled." in waiting_section(clerk)
    assert charging.charge_now(scheduled_id=result.scheduled.pk).state == ScheduledPayment.State.PAID
    waiting = waiting_section(clerk)
    assert result.enrollment.customer_number in waiting
    assert "This period's payment was already processed" in waiting


def test_an_account_whose_payment_was_not_charged_says_why(riverton, own_office, client_for):
    sim = own_office(riverton, "ap-wait-max", customers=40, seed=53)
    sim.close_period("ap-wait-max")
    result = enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident),
                    maximum="1.00")
    over = charging.charge_now(scheduled_id=result.scheduled.pk)
    assert over.state == ScheduledPayment.State.OVER_MAXIMUM
    waiting = waiting_section(client_for(riverton.clerk, riverton.tenant))
    assert f"This period's payment was not charged ({over.period_label}): {over.message}" in waiting
