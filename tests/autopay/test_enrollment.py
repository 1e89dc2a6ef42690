"""Turning AutoPay on: the timing rules against the simulator's real bill, the refusals, the record kept."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine

from autopay import enrollment as autopay
from cows_bridge import client as cows
from autopay.models import Authorization, Enrollment, ScheduledPayment
from tests.autopay.conftest import enroll, saved_method, summary
from tests.billing.payhelpers import BANK_OK
from tests.conftest import link_sample

pytestmark = pytest.mark.django_db(transaction=True)


def city_noon(city, day):
    return datetime.combine(day, time(12, 0), tzinfo=city.tenant.zone)


def test_enrolling_days_before_the_payment_day_schedules_it_for_that_day(riverton, rosa_key, card):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        done = enroll(riverton, rosa_key, card, days=3)
    assert done.outcome == "scheduled"
    sp = done.scheduled
    assert (sp.state, sp.charge_on, sp.due_date, sp.amount) == ("pending", due - timedelta(days=3), due,
                                                               summary(riverton, rosa_key).balance_due)
    closed = cows.get_status(riverton.tenant).last_closed_period
    assert (sp.period_id, sp.period_label) == (closed.id, closed.label)


def test_the_guides_example_enrolled_three_days_before_due_with_five_days_prior_charges_that_day(
        riverton, rosa_key, card, django_capture_on_commit_callbacks):
    due = summary(riverton, rosa_key).due_date
    enrolled_on = due - timedelta(days=3)
    with time_machine.travel(city_noon(riverton, enrolled_on)):
        done = enroll(riverton, rosa_key, card, days=5)
    assert (done.outcome, done.scheduled.charge_on) == ("now", enrolled_on)


def test_enrolling_after_the_due_date_with_a_balance_charges_the_whole_balance_now(riverton, rosa_key, checking):
    s = summary(riverton, rosa_key)
    with time_machine.travel(city_noon(riverton, s.due_date + timedelta(days=2))):
        done = enroll(riverton, rosa_key, checking, days=3)
    assert (done.outcome, done.scheduled.charge_on, done.scheduled.amount) == (
        "now", s.due_date + timedelta(days=2), s.balance_due)


def test_enrolling_with_nothing_due_schedules_nothing_and_says_why(riverton, office, rosa_key, card):
    s = summary(riverton, rosa_key)
    office.post("/receipts", office="autopay-office", json={
        "reference": "TEST-PAYOFF-1", "kind": "utility", "customer_number": s.customer_number,
        "amount": str(s.balance_due), "method": "card", "paid_at": "2026-12-01T12:00:00+00:00"}).raise_for_status()
    assert summary(riverton, rosa_key).balance_due == 0
    done = enroll(riverton, rosa_key, card, days=3)
    assert (done.outcome, done.scheduled) == ("no_balance", None)
    assert Enrollment.objects.get(pk=done.enrollment.pk).waiting_reason == Enrollment.Waiting.NO_BALANCE
    assert not ScheduledPayment.objects.exists()


def test_the_authorization_is_kept_word_for_word_with_time_user_and_address(riverton, rosa_key, card):
    done = enroll(riverton, rosa_key, card, days=4, maximum="150.00")
    auth = Authorization.objects.get(enrollment=done.enrollment)
    assert (auth.user, auth.ip_address, auth.user_agent) == (riverton.resident, "203.0.113.9", "pytest")
    assert "4 days before each due date" in auth.text and "$150.00" in auth.text and "Visa" in auth.text
    assert "turn AutoPay off" in auth.text


def test_a_changed_authorization_text_is_refused_and_nothing_is_stored(riverton, rosa_key, card):
    with pytest.raises(autopay.AutoPayRefused, match="terms changed"):
        autopay.enroll(tenant=riverton.tenant, user=riverton.resident, customer_number=rosa_key, method=card,
                       days_before_due=3, max_amount=None, accepted_text="I agree to anything")
    assert not Enrollment.objects.exists() and not Authorization.objects.exists()


def test_an_account_on_direct_pay_is_refused_saying_the_office_must_end_it_first(riverton, office, rosa_key, card):
    office.set_flags("autopay-office", summary(riverton, rosa_key).customer_number, direct_pay=True)
    with pytest.raises(autopay.AutoPayRefused, match="office must end your Direct Pay first"):
        enroll(riverton, rosa_key, card)
    assert not Enrollment.objects.exists()


def test_a_payment_type_blocked_by_the_accounts_udf_is_refused(riverton, office, rosa_key, card):
    office.set_flags("autopay-office", summary(riverton, rosa_key).customer_number, BLOCK_CC=True)
    with pytest.raises(autopay.AutoPayRefused, match="does not take cards"):
        enroll(riverton, rosa_key, card)
    assert not Enrollment.objects.exists()


def test_a_second_person_on_the_same_account_is_refused_without_being_told_who(riverton, office, rosa_key, card,
                                                                             larry):
    enroll(riverton, rosa_key, card)
    link_sample(office, riverton, 0, user=larry)
    larrys = saved_method(riverton, larry, bank=BANK_OK)
    with pytest.raises(autopay.AutoPayRefused) as refused:
        enroll(riverton, rosa_key, larrys, user=larry)
    assert "another person" in refused.value.message and "rosa" not in refused.value.message.lower()
    assert Enrollment.objects.filter(ended_at__isnull=True).count() == 1


@pytest.mark.parametrize("days, maximum, field", [(99, None, "days_before_due"), (3, "0", "max_amount"),
                                                  (3, "-5", "max_amount")])
def test_out_of_range_choices_are_refused_by_field(riverton, rosa_key, card, days, maximum, field):
    with pytest.raises(autopay.AutoPayRefused) as refused:
        enroll(riverton, rosa_key, card, days=days, maximum=maximum)
    assert refused.value.field == field
    assert not Enrollment.objects.exists()


def test_another_persons_method_is_refused(riverton, rosa_key, larry):
    larrys = saved_method(riverton, larry)
    with pytest.raises(autopay.AutoPayRefused, match="Choose a payment method"):
        enroll(riverton, rosa_key, larrys)


def test_unenrolling_cancels_the_pending_payment_and_keeps_the_history(riverton, rosa_key, card):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        done = enroll(riverton, rosa_key, card, days=3)
    assert autopay.unenroll(enrollment=done.enrollment, acting_user=riverton.resident) == 1
    sp = ScheduledPayment.objects.get()
    assert (sp.state, sp.message) == ("cancelled", "Cancelled: AutoPay was turned off")
    ended = Enrollment.objects.get()
    assert ended.ended_at is not None and ended.ended_by == riverton.resident
    assert autopay.unenroll(enrollment=done.enrollment, acting_user=riverton.resident) == 0


def test_re_enrolling_after_unenrolling_schedules_the_same_bill_again(riverton, rosa_key, card):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        first = enroll(riverton, rosa_key, card, days=3)
        autopay.unenroll(enrollment=first.enrollment, acting_user=riverton.resident)
        again = enroll(riverton, rosa_key, card, days=2)
    assert again.outcome == "scheduled" and again.scheduled.charge_on == due - timedelta(days=2)
    assert ScheduledPayment.objects.exclude(state="cancelled").count() == 1


def test_changing_days_moves_the_pending_payment_and_records_a_new_authorization(riverton, rosa_key, card,
                                                                                checking):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        done = enroll(riverton, rosa_key, card, days=3)
        text = autopay.authorization_text(tenant=riverton.tenant, customer_number=done.enrollment.customer_number,
                                          method=checking, days_before_due=6, max_amount=Decimal("200.00"))
        changed = autopay.change(enrollment=done.enrollment, method=checking, days_before_due=6,
                                 max_amount=Decimal("200.00"), accepted_text=text)
    assert changed.scheduled.charge_on == due - timedelta(days=6)
    enrollment = Enrollment.objects.get()
    assert (enrollment.method, enrollment.days_before_due, enrollment.max_amount) == (checking, 6, Decimal("200.00"))
    assert Authorization.objects.filter(enrollment=enrollment).count() == 2
