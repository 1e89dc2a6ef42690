"""The automatic Schedule Payments after a close happens once Caselle answers again, exactly once per period:
Caselle down when the close is seen (the QA drill: the simulator killed as the poller catches up), two sweeps
at once, the office told after an hour, the office's own press first, the setting turned off, a lost signal."""

from __future__ import annotations

import html
import logging
import os
import signal
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from autopay import after_close
from autopay.enrollment import autopay_settings
from autopay.models import AutomaticSchedule, ScheduledPayment, ScheduleRun
from autopay.tasks import schedule_after_close, schedule_waiting
from billing.accounts import periods
from communications.outbox.models import OutboundEmail
from tests.autopay.conftest import enroll, saved_method
from tests.conftest import link_sample, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
OFFICE = "autopay-retry"
SCREEN = "/office/autopay/"
A = AutomaticSchedule.State


@pytest.fixture
def enrolled(own_office, riverton, larry):
    """Rosa and Larry on AutoPay in an office whose ended month is still open; the portal has had its first look."""
    sim = own_office(riverton, OFFICE, customers=40, seed=24)
    keys = [link_sample(sim, riverton, 0), link_sample(sim, riverton, 1, user=larry)]
    enroll(riverton, keys[0], saved_method(riverton, riverton.resident), days=3)
    enroll(riverton, keys[1], saved_method(riverton, larry), user=larry, days=5)
    periods.poll_period_state(tenant=riverton.tenant)
    return sim, keys


@contextmanager
def when_the_close_is_seen(do):
    """Call `do` at the moment the poller logs "billing period ... was closed; catching up" (the drill's moment)."""

    class Trigger(logging.Handler):
        def emit(self, record):
            if "was closed; catching up" in record.getMessage():
                do()

    logger = logging.getLogger("billing.accounts.periods")
    handler, level = Trigger(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def close_while_caselle_goes_down(sim, city, *, down) -> AutomaticSchedule:
    """The office closes the period; Caselle goes down as the portal sees it; the automatic run tries at once."""
    sim.close_period(OFFICE)
    with when_the_close_is_seen(down):
        assert periods.poll_period_state(tenant=city.tenant) is True
    return AutomaticSchedule.objects.get(tenant=city.tenant)


def outage(sim):
    return lambda: sim.set_fault(operation="*", mode="error", status=503, office=OFFICE)


def scheduled_rows(city):
    return ScheduledPayment.objects.filter(tenant=city.tenant, created_by__startswith="run:")


def screen(city, client_for) -> str:
    return html.unescape(client_for(city.clerk, city.tenant).get(SCREEN).content.decode())


def sweep_at(when):
    with time_machine.travel(when, tick=False):
        return schedule_waiting()


def test_the_drill_caselle_killed_as_the_close_is_seen_schedules_once_when_it_is_back(
        riverton, enrolled, eager_tasks, client_for):
    sim, keys = enrolled
    before = ScheduleRun.objects.filter(tenant=riverton.tenant).count()
    row = close_while_caselle_goes_down(sim, riverton, down=sim.stop)

    assert (row.state, row.attempts, row.waiting_for) == (A.WAITING, 1, "cows_down")
    assert ScheduleRun.objects.filter(tenant=riverton.tenant).count() == before and not scheduled_rows(riverton)
    assert row.next_attempt_at - timezone.now() < timedelta(minutes=1)
    page = screen(riverton, client_for)
    assert (f"Waiting for Caselle to schedule AutoPay for period {row.period_label}: Caselle (COWS) cannot be "
            "reached, so balances cannot be read.") in page
    assert "Error" not in page.split("Waiting for Caselle", 1)[1].split("</div>", 1)[0]

    sim.start()
    assert sweep_at(row.next_attempt_at - timedelta(seconds=5)) == {}  # its back-off has not passed: not tried
    done = sweep_at(row.next_attempt_at + timedelta(seconds=1))
    assert done == {row.pk: "done"}
    row.refresh_from_db()
    run = ScheduleRun.objects.get(tenant=riverton.tenant, period_id=row.period_id)
    assert (row.state, row.run, row.next_attempt_at, run.actor) == (A.DONE, run, None, "task:schedule_after_close")
    assert sorted(sp.account_key for sp in scheduled_rows(riverton)) == sorted(keys)
    assert sweep_at(timezone.now() + timedelta(hours=2)) == {}  # nothing more, ever
    assert scheduled_rows(riverton).count() == 2
    page = screen(riverton, client_for)
    assert "Waiting for Caselle" not in page and f"Last run: period {row.period_label}" in page
    assert "by the portal, automatically after the period closed." in page


def test_it_backs_off_while_caselle_is_down_and_tells_the_office_once_after_an_hour(riverton, enrolled, eager_tasks):
    sim, keys = enrolled
    row = close_while_caselle_goes_down(sim, riverton, down=outage(sim))
    start = row.created_at
    tries = [row.next_attempt_at]
    while len(tries) < 9:
        assert sweep_at(tries[-1] - timedelta(seconds=2)) == {}
        assert sweep_at(tries[-1] + timedelta(seconds=2)) == {row.pk: "waiting"}
        row.refresh_from_db()
        tries.append(row.next_attempt_at)
    gaps = [round((b - a).total_seconds() / 60) for a, b in zip(tries, tries[1:])]
    assert gaps == [2, 5, 10, 15, 15, 15, 15, 15]  # after the 1-minute first wait: 1, 2, 5, 10, then every 15
    assert (tries[0] - start) < timedelta(minutes=1, seconds=5)

    notices = OutboundEmail.objects.filter(tenant=riverton.tenant, kind="office_notice")
    assert [(n.to, n.subject) for n in notices] == [
        ("carl@riverton.example", f"[City of Riverton] AutoPay for period {row.period_label} is not scheduled yet")]
    told = notices.get()
    assert row.office_told_at and row.office_told_at - start >= timedelta(hours=1)
    assert row.office_told_at - start < timedelta(hours=1, minutes=16)
    assert "Caselle (COWS) cannot be reached" in told.text and "Error" not in told.text
    assert [m.to for m in mail.outbox if "is not scheduled yet" in m.subject] == [["carl@riverton.example"]]
    assert not scheduled_rows(riverton).exists() and not ScheduleRun.objects.filter(period_id=row.period_id).exists()

    sim.clear_faults()
    assert sweep_at(row.next_attempt_at + timedelta(seconds=1)) == {row.pk: "done"}
    assert scheduled_rows(riverton).count() == 2 and notices.count() == 1


def test_two_sweeps_at_once_schedule_the_period_once(riverton, enrolled, eager_tasks):
    sim, keys = enrolled
    row = close_while_caselle_goes_down(sim, riverton, down=outage(sim))
    sim.clear_faults()
    sim.set_fault(operation="account_batch", mode="slow", delay=1.0, office=OFFICE)  # a run that takes a while
    barrier, outcomes = threading.Barrier(2), []
    when = row.next_attempt_at + timedelta(seconds=1)

    def sweep():
        barrier.wait()
        try:
            outcomes.append(schedule_waiting())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    with time_machine.travel(when):  # both beats' clocks: the row's next try has come
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(o.get(row.pk, "not due") for o in outcomes) in (["done", "skipped"], ["done", "not due"])
    assert ScheduleRun.objects.filter(tenant=riverton.tenant, period_id=row.period_id).count() == 1
    assert sorted(sp.account_key for sp in scheduled_rows(riverton)) == sorted(keys)


def test_the_office_pressing_schedule_payments_first_leaves_the_automatic_run_nothing_to_do(
        riverton, enrolled, eager_tasks, client_for):
    sim, keys = enrolled
    row = close_while_caselle_goes_down(sim, riverton, down=outage(sim))
    sim.clear_faults()
    clerk = client_for(riverton.clerk, riverton.tenant)
    pressed = html.unescape(clerk.post("/office/autopay/schedule/", follow=True).content.decode())
    assert f"Period {row.period_label} is scheduled: 2 scheduled" in pressed
    assert "Waiting for Caselle" not in pressed  # the period the automatic run waited for is scheduled now

    assert sweep_at(row.next_attempt_at + timedelta(seconds=1)) == {row.pk: "done"}
    row.refresh_from_db()
    run = ScheduleRun.objects.get(tenant=riverton.tenant, period_id=row.period_id)
    assert (row.state, row.run, run.actor_user) == (A.SKIPPED, run, riverton.clerk)
    assert "carl@riverton.example" in row.outcome
    assert scheduled_rows(riverton).count() == 2 and sweep_at(timezone.now() + timedelta(hours=1)) == {}
    page = screen(riverton, client_for)
    assert "Waiting for Caselle" not in page and "by carl@riverton.example." in page


def test_the_automatic_run_keeps_to_the_citys_setting(riverton, enrolled, eager_tasks):
    sim, _keys = enrolled
    row = close_while_caselle_goes_down(sim, riverton, down=outage(sim))
    sim.clear_faults()
    settings = autopay_settings(riverton.tenant)
    settings.schedule_on_close = False
    settings.save()
    assert sweep_at(row.next_attempt_at + timedelta(seconds=1)) == {row.pk: "off"}
    row.refresh_from_db()
    assert row.state == A.SKIPPED and not scheduled_rows(riverton).exists()
    # Off when the next period closes: no automatic run is made for it at all.
    sim.close_period(OFFICE, force=True)
    periods.poll_period_state(tenant=riverton.tenant)
    assert sweep_at(timezone.now() + timedelta(minutes=30)) == {}
    assert AutomaticSchedule.objects.filter(tenant=riverton.tenant).count() == 1
    assert not ScheduleRun.objects.filter(tenant=riverton.tenant).exists()


def test_a_lost_close_signal_is_caught_up_by_the_sweep(riverton, enrolled):
    from autopay.hooks import schedule_when_period_closes

    sim, keys = enrolled
    sim.close_period(OFFICE)
    periods.period_closed.disconnect(dispatch_uid="autopay-schedule-on-close")
    try:  # the process died between seeing the close and the receiver
        assert periods.poll_period_state(tenant=riverton.tenant) is True
    finally:
        periods.period_closed.connect(schedule_when_period_closes, dispatch_uid="autopay-schedule-on-close")
    assert not AutomaticSchedule.objects.exists()
    done = schedule_waiting()
    row = AutomaticSchedule.objects.get(tenant=riverton.tenant)
    assert done == {row.pk: "done"} and sorted(sp.account_key for sp in scheduled_rows(riverton)) == sorted(keys)


def test_a_later_close_while_waiting_leaves_the_older_period_to_the_newer_run(riverton, enrolled, eager_tasks):
    sim, keys = enrolled
    older = close_while_caselle_goes_down(sim, riverton, down=outage(sim))
    sim.clear_faults()
    sim.close_period(OFFICE, force=True)  # the office closes the next period before the portal could schedule
    assert periods.poll_period_state(tenant=riverton.tenant) is True  # its own run, at once
    newer = AutomaticSchedule.objects.exclude(pk=older.pk).get()
    assert newer.state == A.DONE
    assert sweep_at(older.next_attempt_at + timedelta(seconds=1)) == {older.pk: "moved"}
    older.refresh_from_db()
    assert older.state == A.SKIPPED and f"now {newer.period_label}" in older.outcome
    assert set(scheduled_rows(riverton).values_list("period_id", flat=True)) == {newer.period_id}


def test_waiting_reasons_are_plain_words():
    assert after_close.waiting_reason("stopped", "COWS could not be reached (ConnectionError)") == \
        "Caselle stopped answering part-way; what was scheduled stays."


def test_caselle_stopping_part_way_is_finished_at_the_next_try(riverton, enrolled):
    sim, keys = enrolled
    sim.close_period(OFFICE)
    assert periods.poll_period_state(tenant=riverton.tenant) is True  # the automatic run's task is queued
    row = AutomaticSchedule.objects.get(tenant=riverton.tenant)
    sim.set_fault(operation="account_batch", mode="error", status=503, office=OFFICE, times=2)  # a read, its retry
    assert schedule_after_close(row.pk) == "waiting"  # the worker's try: Caselle stops answering part-way
    row.refresh_from_db()
    run = ScheduleRun.objects.get(tenant=riverton.tenant, period_id=row.period_id)
    assert (row.state, row.waiting_for, run.finished_at) == (A.WAITING, "stopped", None)
    assert sweep_at(row.next_attempt_at + timedelta(seconds=1)) == {row.pk: "done"}  # not 15 minutes later
    run.refresh_from_db()
    assert run.finished_at is not None and ScheduleRun.objects.filter(tenant=riverton.tenant).count() == 1
    assert sorted(sp.account_key for sp in scheduled_rows(riverton)) == sorted(keys)


def test_a_worker_killed_mid_run_leaves_the_period_to_the_sweep_which_schedules_it_once(riverton, enrolled,
                                                                                      celery_workers):
    sim, keys = enrolled
    sim.close_period(OFFICE)
    assert periods.poll_period_state(tenant=riverton.tenant) is True  # the automatic run's task is queued
    row = AutomaticSchedule.objects.get(tenant=riverton.tenant)
    sim.set_fault(operation="account_batch", mode="slow", delay=8.0, office=OFFICE)  # the worker reads balances...
    worker = celery_workers()
    wait_for(lambda: ScheduleRun.objects.filter(tenant=riverton.tenant, period_id=row.period_id).exists(),
             timeout=60, what="the worker's run to start")
    os.kill(worker.pid, signal.SIGKILL)  # ...and dies mid-run
    worker.wait(timeout=10)
    sim.clear_faults()
    row.refresh_from_db()
    assert (row.state, row.attempts) == (A.WAITING, 1) and row.claimed_until is not None
    assert schedule_waiting() == {}  # its claim still holds: nobody else starts a second run meanwhile
    assert not scheduled_rows(riverton).exists()

    assert sweep_at(row.claimed_until + timedelta(seconds=1)) == {row.pk: "done"}  # the dead worker's claim ran out
    run = ScheduleRun.objects.get(tenant=riverton.tenant, period_id=row.period_id)
    assert run.finished_at is not None and run.actor == "task:schedule_after_close"
    assert sorted(sp.account_key for sp in scheduled_rows(riverton)) == sorted(keys)
    assert sweep_at(timezone.now() + timedelta(hours=1)) == {}
