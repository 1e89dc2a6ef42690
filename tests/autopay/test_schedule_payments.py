"""Schedule Payments: once per closed period, whoever presses it, and what it did."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from autopay import scheduling
from autopay.models import Enrollment, ScheduledPayment, ScheduleRun
from billing.accounts import periods
from tests.autopay.conftest import enroll, saved_method, summary
from tests.conftest import link_sample

pytestmark = pytest.mark.django_db(transaction=True)


def city_noon(city, day):
    return datetime.combine(day, time(12, 0), tzinfo=city.tenant.zone)


@pytest.fixture
def enrolled_before_close(own_office, riverton, larry):
    """Rosa and Larry enrolled in an office whose just-ended month is still open (the guide's checklist)."""
    sim = own_office(riverton, "autopay-close", customers=40, seed=22)
    keys = [link_sample(sim, riverton, 0), link_sample(sim, riverton, 1, user=larry)]
    enroll(riverton, keys[0], saved_method(riverton, riverton.resident), days=3)
    enroll(riverton, keys[1], saved_method(riverton, larry), user=larry, days=5)
    return sim, keys


def test_schedule_payments_after_the_close_schedules_each_enrolled_account_by_the_rules(riverton,
                                                                                       enrolled_before_close):
    sim, keys = enrolled_before_close
    before = ScheduledPayment.objects.count()
    sim.close_period("autopay-close")
    due = summary(riverton, keys[0]).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        run = scheduling.schedule_payments(tenant=riverton.tenant, actor="clerk", actor_user=riverton.clerk)
    rows = {sp.account_key: sp for sp in ScheduledPayment.objects.filter(period_id=run.period_id)}
    assert (run.scheduled, run.charged_now, run.refused) == (2, 0, [])
    assert rows[keys[0]].charge_on == due - timedelta(days=3)
    assert rows[keys[1]].charge_on == summary(riverton, keys[1]).due_date - timedelta(days=5)
    assert rows[keys[0]].amount == summary(riverton, keys[0]).balance_due
    assert ScheduledPayment.objects.count() == before + 2


def test_the_second_press_says_who_scheduled_the_period_and_creates_nothing(riverton, enrolled_before_close):
    sim, _keys = enrolled_before_close
    sim.close_period("autopay-close")
    run = scheduling.schedule_payments(tenant=riverton.tenant, actor="clerk", actor_user=riverton.clerk)
    count = ScheduledPayment.objects.count()
    with pytest.raises(scheduling.ScheduleRefused) as refused:
        scheduling.schedule_payments(tenant=riverton.tenant, actor="clerk", actor_user=riverton.clerk)
    assert f"Period {run.period_label} was scheduled on" in refused.value.message
    assert "carl@riverton.example" in refused.value.message and "close the next period in Caselle" in \
        refused.value.message
    assert ScheduledPayment.objects.count() == count and ScheduleRun.objects.count() == 1


def test_scheduling_before_closing_the_period_is_refused_since_that_period_was_already_scheduled(
        riverton, enrolled_before_close):
    sim, _keys = enrolled_before_close
    sim.close_period("autopay-close")
    scheduling.schedule_payments(tenant=riverton.tenant, actor="clerk", actor_user=riverton.clerk)
    # A month later the office forgets to close first: the last closed period is still the one scheduled.
    with pytest.raises(scheduling.ScheduleRefused, match="close the next period in Caselle first"):
        scheduling.schedule_payments(tenant=riverton.tenant, actor="command:schedule_autopay")


def test_the_automatic_run_follows_the_portals_period_close_detection(riverton, enrolled_before_close, eager_tasks):
    sim, keys = enrolled_before_close
    periods.poll_period_state(tenant=riverton.tenant)  # the portal's first look
    sim.close_period("autopay-close")
    assert periods.poll_period_state(tenant=riverton.tenant) is True
    run = ScheduleRun.objects.get()
    assert run.actor == "task:schedule_after_close" and run.finished_at is not None
    assert set(ScheduledPayment.objects.filter(period_id=run.period_id).values_list("account_key", flat=True)) == \
        set(keys)


def test_the_automatic_run_is_off_when_the_office_turns_it_off(riverton, enrolled_before_close, eager_tasks):
    from autopay.enrollment import autopay_settings

    sim, _keys = enrolled_before_close
    settings = autopay_settings(riverton.tenant)
    settings.schedule_on_close = False
    settings.save()
    periods.poll_period_state(tenant=riverton.tenant)
    sim.close_period("autopay-close")
    periods.poll_period_state(tenant=riverton.tenant)
    assert not ScheduleRun.objects.exists()


def test_the_command_schedules_once_and_reports_what_it_did(riverton, enrolled_before_close, capsys):
    sim, keys = enrolled_before_close
    sim.close_period("autopay-close")
    due = min(summary(riverton, k).due_date for k in keys)
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        call_command("schedule_autopay", city="riverton")
        call_command("schedule_autopay", city="riverton")
    out = capsys.readouterr().out.splitlines()
    assert "2 scheduled, 0 to charge now, 0 with no balance, 0 already scheduled, 0 refused" in out[0]
    assert "was scheduled on" in out[1]
    assert ScheduleRun.objects.count() == 1


def test_with_the_billing_system_down_nothing_is_scheduled_and_the_office_is_told(riverton, enrolled_before_close):
    sim, _keys = enrolled_before_close
    sim.close_period("autopay-close")
    sim.set_fault(operation="*", mode="error", status=503, office="autopay-close")
    with pytest.raises(scheduling.ScheduleRefused, match="cannot be reached"):
        scheduling.schedule_payments(tenant=riverton.tenant, actor="clerk", actor_user=riverton.clerk)
    assert not ScheduleRun.objects.exists() and not ScheduledPayment.objects.filter(created_by__startswith="run").exists()


def test_a_direct_pay_account_is_refused_with_its_reason(riverton, enrolled_before_close):
    sim, keys = enrolled_before_close
    sim.close_period("autopay-close")
    sim.set_flags("autopay-close", summary(riverton, keys[1]).customer_number, direct_pay=True)
    run = scheduling.schedule_payments(tenant=riverton.tenant, actor="clerk", actor_user=riverton.clerk)
    assert [r["reason"] for r in run.refused] == ["The account is on Direct Pay in Caselle"]
    assert ScheduledPayment.objects.filter(period_id=run.period_id).count() == 1


def test_clerks_pressing_at_the_same_moment_make_one_run(riverton, enrolled_before_close):
    sim, _keys = enrolled_before_close
    sim.close_period("autopay-close")
    barrier = threading.Barrier(4)
    outcomes = []

    def press():
        barrier.wait()
        try:
            outcomes.append(scheduling.schedule_payments(tenant=riverton.tenant, actor="clerk").pk)
        except scheduling.ScheduleRefused as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(o, int) for o in outcomes) == 1
    run = ScheduleRun.objects.get()
    assert ScheduledPayment.objects.filter(period_id=run.period_id).count() == 2
    assert Enrollment.objects.filter(ended_at__isnull=True).count() == 2
