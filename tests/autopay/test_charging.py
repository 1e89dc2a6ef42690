"""Charging scheduled payments: the charge hour, the balance read again, the maximum, failures, recovery."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from autopay import charging, notices
from autopay.models import ScheduledPayment
from billing.payments import checkout
from billing.payments.models import Payment
from billing.payments.posting import post_due_items
from sandboxpay.models import SandboxCharge
from tests.autopay.conftest import enroll, saved_method, summary
from tests.billing.payhelpers import DECLINED

pytestmark = pytest.mark.django_db(transaction=True)
S = ScheduledPayment.State


def at(city, day, hour=12, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=city.tenant.zone)


@pytest.fixture
def scheduled(riverton, rosa_key, card):
    """Rosa's bill scheduled 3 days before its due date; returns the row."""
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(at(riverton, due - timedelta(days=10))):
        return enroll(riverton, rosa_key, card, days=3).scheduled


def charge_on_day(city, sp, hour=6, minute=0):
    with time_machine.travel(at(city, sp.charge_on, hour, minute)):
        charging.charge_due(tenant=city.tenant)
    sp.refresh_from_db()
    return sp


def test_nothing_is_charged_before_the_offices_charge_hour(riverton, scheduled):
    sp = charge_on_day(riverton, scheduled, hour=5, minute=59)
    assert sp.state == S.PENDING and not SandboxCharge.objects.exists()


def test_at_the_charge_hour_the_bill_is_charged_once_and_posted_to_cash_receipting(riverton, scheduled):
    sp = charge_on_day(riverton, scheduled, hour=6)
    assert sp.state == S.PAID and sp.charged_amount == scheduled.amount
    payment = sp.payment
    assert (payment.state, payment.customer_present, payment.idempotency_key) == (
        Payment.State.CHARGED, False, sp.idempotency_key)
    assert payment.total == payment.amount + payment.fee and payment.fee > 0
    assert SandboxCharge.objects.get().amount == payment.total
    post_due_items(tenant=riverton.tenant, force=True)
    item = payment.items.get()
    assert item.post_state == "posted" and item.confirmation_number
    charge_on_day(riverton, sp, hour=7)  # the next sweeps find nothing more to do
    assert SandboxCharge.objects.count() == 1 and Payment.objects.count() == 1


def test_every_payment_move_records_the_autopay_task_as_its_actor(riverton, scheduled):
    sp = charge_on_day(riverton, scheduled)
    assert set(sp.payment.events.values_list("actor", flat=True)) == {"task:charge_autopay"}


def test_a_balance_paid_down_since_scheduling_charges_only_what_is_still_due(riverton, office, scheduled):
    office.post("/receipts", office="autopay-office", json={
        "reference": "TEST-PART-1", "kind": "utility", "customer_number": scheduled.customer_number,
        "amount": "20.00", "method": "card", "paid_at": "2026-12-01T12:00:00+00:00"}).raise_for_status()
    sp = charge_on_day(riverton, scheduled)
    assert sp.state == S.PAID and sp.charged_amount == scheduled.amount - Decimal("20.00")


def test_a_bill_paid_in_full_meanwhile_is_not_charged(riverton, office, scheduled):
    office.post("/receipts", office="autopay-office", json={
        "reference": "TEST-FULL-1", "kind": "utility", "customer_number": scheduled.customer_number,
        "amount": str(scheduled.amount), "method": "card", "paid_at": "2026-12-01T12:00:00+00:00"}).raise_for_status()
    sp = charge_on_day(riverton, scheduled)
    assert (sp.state, sp.message, sp.payment) == (S.NOTHING_DUE, "Paid already, nothing charged", None)
    assert not SandboxCharge.objects.exists()


def enrolled_with_maximum(city, key, method, cents_from_balance: int):
    s = summary(city, key)
    maximum = s.balance_due + Decimal(cents_from_balance) / 100
    with time_machine.travel(at(city, s.due_date - timedelta(days=10))):
        return s, maximum, enroll(city, key, method, days=3, maximum=str(maximum)).scheduled


@pytest.mark.parametrize("cents_from_balance", [0, 1])
def test_a_bill_at_or_under_the_maximum_is_charged(riverton, rosa_key, card, cents_from_balance):
    s, _maximum, sp = enrolled_with_maximum(riverton, rosa_key, card, cents_from_balance)
    sp = charge_on_day(riverton, sp)
    assert (sp.state, sp.charged_amount) == (S.PAID, s.balance_due)


def test_a_bill_one_cent_over_the_maximum_is_not_charged(riverton, rosa_key, card):
    _s, maximum, sp = enrolled_with_maximum(riverton, rosa_key, card, -1)
    sp = charge_on_day(riverton, sp)
    assert sp.state == S.OVER_MAXIMUM and f"Over your AutoPay maximum of ${maximum:,.2f}" in sp.message
    assert not SandboxCharge.objects.exists()


def test_over_the_maximum_the_customer_is_emailed_a_link_to_pay(riverton, rosa_key, card, eager_tasks):
    s = summary(riverton, rosa_key)
    with time_machine.travel(at(riverton, s.due_date - timedelta(days=10))):
        sp = enroll(riverton, rosa_key, card, days=3, maximum="1.00").scheduled
    mail.outbox.clear()
    charge_on_day(riverton, sp)
    [message] = [m for m in mail.outbox if "maximum" in m.subject]
    assert message.to == [riverton.resident.email]
    assert "$1.00" in message.body and f"/pay/utility/{rosa_key}/" in message.body


def test_a_declined_card_fails_with_the_reason_and_the_customer_is_emailed(riverton, rosa_key, eager_tasks):
    declined = saved_method(riverton, riverton.resident, number=DECLINED)
    s = summary(riverton, rosa_key)
    with time_machine.travel(at(riverton, s.due_date - timedelta(days=10))):
        sp = enroll(riverton, rosa_key, declined, days=3).scheduled
    mail.outbox.clear()
    sp = charge_on_day(riverton, sp)
    assert (sp.state, sp.message) == (S.FAILED, "The card was declined.")
    [message] = [m for m in mail.outbox if "could not pay" in m.subject]
    assert "The card was declined." in message.body and f"/pay/utility/{rosa_key}/" in message.body
    charge_on_day(riverton, sp, hour=9)  # no blind retry
    assert SandboxCharge.objects.count() == 1


def test_a_bank_asking_for_3d_secure_off_session_fails_with_the_clear_reason(riverton, rosa_key):
    needs_3ds = saved_method(riverton, riverton.resident, number="4000002760003184")
    s = summary(riverton, rosa_key)
    with time_machine.travel(at(riverton, s.due_date - timedelta(days=10))):
        sp = enroll(riverton, rosa_key, needs_3ds, days=3).scheduled
    sp = charge_on_day(riverton, sp)
    assert sp.state == S.FAILED and "you were not there to do it" in sp.message


def test_with_the_billing_system_down_the_payment_waits_and_is_charged_once_it_is_back(riverton, office, scheduled):
    office.set_fault(operation="account_summary", mode="error", status=503, office="autopay-office")
    sp = charge_on_day(riverton, scheduled)
    assert sp.state == S.PENDING and "could not be reached" in sp.message and sp.attempts == 1
    office.clear_faults()
    sp = charge_on_day(riverton, sp, hour=6, minute=1)
    assert sp.state == S.PAID and SandboxCharge.objects.count() == 1


def test_a_worker_killed_after_making_the_payment_is_finished_by_recovery_with_one_charge(riverton, scheduled):
    with time_machine.travel(at(riverton, scheduled.charge_on, 6)):
        [pk] = charging.claim_due(tenant=riverton.tenant, today=scheduled.charge_on)
        sp = ScheduledPayment.objects.get(pk=pk)
        s = summary(riverton, sp.account_key)
        # What a worker did before it died: the payment is made and linked, the provider not yet asked.
        payment = checkout.start_checkout(
            tenant=riverton.tenant, items=[checkout.ItemSpec(kind="utility", amount=sp.amount, account_key=sp.account_key,
                                                             customer_number=sp.customer_number, summary=s)],
            method=checkout.MethodSpec(saved=sp.enrollment.method), user=sp.enrollment.user, customer_present=False,
            reference=sp.reference, idempotency_key=sp.idempotency_key, actor=charging.ACTOR)
        ScheduledPayment.objects.filter(pk=pk).update(payment=payment)
        assert charging.recover(tenant=riverton.tenant) == 0  # not stale yet: its worker may still be busy
    with time_machine.travel(at(riverton, scheduled.charge_on, 6, 11)):
        assert charging.recover(tenant=riverton.tenant) == 1
    sp.refresh_from_db()
    assert sp.state == S.PAID and SandboxCharge.objects.count() == 1 and Payment.objects.count() == 1


def test_a_worker_killed_mid_charge_is_settled_from_the_providers_answer_with_the_same_key(riverton, scheduled):
    with time_machine.travel(at(riverton, scheduled.charge_on, 6)):
        [pk] = charging.claim_due(tenant=riverton.tenant, today=scheduled.charge_on)
        sp = charging.charge_claimed(scheduled_id=pk)
    # The provider charged; pretend the worker died before recording it: the row is still charging.
    ScheduledPayment.objects.filter(pk=pk).update(state=S.CHARGING, finished_at=None)
    Payment.objects.filter(pk=sp.payment_id).update(state=Payment.State.PROCESSING)
    from billing.payments.recovery import sweep

    with time_machine.travel(at(riverton, scheduled.charge_on, 7)):
        sweep()
        charging.recover(tenant=riverton.tenant)
    sp.refresh_from_db()
    assert sp.state == S.PAID and SandboxCharge.objects.count() == 1


def test_the_reminder_goes_out_n_days_before_the_charge_once(riverton, scheduled):
    mail.outbox.clear()
    for day in (scheduled.charge_on - timedelta(days=4), scheduled.charge_on - timedelta(days=3),
                scheduled.charge_on - timedelta(days=2)):
        notices.send_reminders(tenant=riverton.tenant, today=day)
    [message] = mail.outbox
    assert "AutoPay will charge" in message.subject and "Visa" in message.body
    assert scheduled.charge_on.strftime("%b") in message.subject


def test_cards_expiring_before_the_next_payment_get_notices_30_and_7_days_ahead_once_each(riverton, rosa_key):
    from datetime import date

    soon = saved_method(riverton, riverton.resident)
    type(soon).objects.filter(pk=soon.pk).update(exp_month=1, exp_year=2027)
    soon.refresh_from_db()
    enroll(riverton, rosa_key, soon, days=3)
    mail.outbox.clear()
    for day in (date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 24), date(2027, 1, 25),
                date(2027, 1, 26)):
        notices.send_expiry_notices(tenant=riverton.tenant, today=day)
    assert [m.subject for m in mail.outbox] == ["The card AutoPay uses for account "
                                                f"{summary(riverton, rosa_key).customer_number} expires soon"] * 2


def test_the_charge_hour_is_the_citys_own_on_a_daylight_saving_day(riverton, scheduled):
    from datetime import date, timezone as dt_timezone

    spring_forward = date(2027, 3, 14)  # Denver skips 2:00-3:00 that night
    ScheduledPayment.objects.filter(pk=scheduled.pk).update(charge_on=spring_forward)
    with time_machine.travel(datetime(2027, 3, 14, 11, 59, tzinfo=dt_timezone.utc)):  # 5:59 MDT
        charging.charge_due(tenant=riverton.tenant)
    assert ScheduledPayment.objects.get(pk=scheduled.pk).state == S.PENDING
    with time_machine.travel(datetime(2027, 3, 14, 12, 0, tzinfo=dt_timezone.utc)):  # 6:00 MDT
        charging.charge_due(tenant=riverton.tenant)
    assert ScheduledPayment.objects.get(pk=scheduled.pk).state == S.PAID


def test_a_payment_due_tomorrow_in_the_city_waits_though_utc_is_already_there(riverton, scheduled):
    from autopay.enrollment import autopay_settings
    from datetime import timezone as dt_timezone

    settings = autopay_settings(riverton.tenant)
    settings.charge_hour = 0
    settings.save()
    day = scheduled.charge_on
    # 23:30 in Denver the day before is already 06:30 UTC on the charge day.
    evening_before = datetime.combine(day - timedelta(days=1), time(23, 30), tzinfo=riverton.tenant.zone)
    with time_machine.travel(evening_before.astimezone(dt_timezone.utc)):
        assert charging.charge_due(tenant=riverton.tenant) == 0
    assert ScheduledPayment.objects.get(pk=scheduled.pk).state == S.PENDING


def test_each_move_of_a_scheduled_payment_records_who_made_it(riverton, scheduled):
    from autopay.states import IllegalMove, move

    sp = charge_on_day(riverton, scheduled)
    assert (sp.state, sp.moved_by) == (S.PAID, "task:charge_autopay")
    with pytest.raises(IllegalMove):
        move(ScheduledPayment.objects.filter(pk=sp.pk), S.PAID, S.PENDING, actor="clerk:1")
    assert ScheduledPayment.objects.get(pk=sp.pk).state == S.PAID


def test_turning_autopay_off_records_the_customer_as_who_cancelled(riverton, scheduled):
    from autopay import enrollment as autopay

    autopay.unenroll(enrollment=scheduled.enrollment, acting_user=riverton.resident)
    assert ScheduledPayment.objects.filter(pk=scheduled.pk).values_list("state", "moved_by").get() == (
        S.CANCELLED, "customer")
