"""A run of an Email Event: the emails go through the outbox once per (event, account, bill), the run counts
them, a run waits when Caselle cannot refresh the balances, and a dead worker's run is taken again."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from communications.events.models import EventRun
from communications.events.runs import claim_due, perform, sweep_city
from communications.events.services import city_events
from communications.outbox.models import OutboundEmail
from customers.models import NotificationChoice

from ..factories import MembershipFactory, UserFactory
from .email_events_data import bill, on_autopay

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
SIX = datetime(2026, 3, 10, 6, 0, tzinfo=DENVER)


def accounts_due(city, *, day, count: int = 3) -> list[str]:
    return [bill(city, f"20000{i:02d}", due=day + timedelta(days=3), balance="84.20") for i in range(count)]


def sweep_at(city, moment):
    with time_machine.travel(moment, tick=False):
        return sweep_city(tenant=city.tenant)


def test_at_6_00_each_account_s_users_get_one_reminder_and_the_run_counts_them(riverton):
    sam = UserFactory(email="sam@example.org")
    MembershipFactory(tenant=riverton.tenant, user=sam)
    with time_machine.travel(SIX - timedelta(minutes=5), tick=False):
        keys = accounts_due(riverton, day=SIX.date())
        bill(riverton, keys[0], due=SIX.date() + timedelta(days=3), balance="84.20", users=[sam])
    assert sweep_at(riverton, SIX - timedelta(minutes=1)) == {}  # 5:59: not yet
    assert not OutboundEmail.objects.exists()
    assert sweep_at(riverton, SIX) == {"payment_due": "done", "past_due": "done"}
    rows = OutboundEmail.objects.filter(tenant=riverton.tenant, kind="payment_reminder")
    assert sorted((r.account_number, r.to) for r in rows) == [
        ("200-0000", "rosa@example.org"), ("200-0000", "sam@example.org"),
        ("200-0001", "rosa@example.org"), ("200-0002", "rosa@example.org")]
    email = rows.get(account_number="200-0001")
    assert email.category == "reminders" and "is due on Mar 13, 2026" in email.text and "$84.20" in email.subject
    payment_due = city_events(tenant=riverton.tenant)[0]
    assert {r.source for r in rows} == {f"event:{payment_due.id}:2026-03-10"}
    run = EventRun.objects.get(event=payment_due)
    assert (run.state, run.sent, run.accounts) == ("done", 4, 3)
    # Later sweeps that day find nothing more to do.
    for minutes in (1, 30, 600):
        sweep_at(riverton, SIX + timedelta(minutes=minutes))
    assert rows.count() == 4 and EventRun.objects.filter(event=payment_due).count() == 1


def test_an_opted_out_user_is_not_sent_the_reminder_and_not_counted(riverton):
    with time_machine.travel(SIX - timedelta(minutes=5), tick=False):
        accounts_due(riverton, day=SIX.date(), count=1)
    NotificationChoice.objects.create(tenant=riverton.tenant, address="rosa@example.org", category="reminders",
                                      allowed=False)
    sweep_at(riverton, SIX)
    assert OutboundEmail.objects.get(kind="payment_reminder").state == "suppressed"
    assert EventRun.objects.get(event__kind="payment_due").sent == 0


def test_autopay_accounts_get_the_autopay_wording_in_the_email(riverton):
    due = SIX.date() + timedelta(days=3)
    with time_machine.travel(SIX - timedelta(minutes=5), tick=False):
        [key] = accounts_due(riverton, day=SIX.date(), count=1)
        on_autopay(riverton, key, charge_on=due - timedelta(days=2), due=due)
    sweep_at(riverton, SIX)
    text = OutboundEmail.objects.get(kind="payment_reminder").text
    assert "AutoPay will charge $84.20 on Mar 11, 2026, so there is nothing for you to do" in text
    assert "is due on" not in text


def test_a_past_due_reminder_goes_only_while_a_balance_is_due(riverton):
    with time_machine.travel(SIX - timedelta(minutes=5), tick=False):
        bill(riverton, "3000001", due=SIX.date() - timedelta(days=1), balance="40.00")
        bill(riverton, "3000002", due=SIX.date() - timedelta(days=1), balance="0.00")
    sweep_at(riverton, SIX)
    [email] = OutboundEmail.objects.filter(kind="past_due")
    assert email.account_number == "300-0001" and "$40.00 is still unpaid (1 day past due)" in email.text


def test_a_run_waits_while_caselle_cannot_refresh_old_balances_then_gives_up_when_the_day_ends(riverton):
    with time_machine.travel(SIX - timedelta(hours=5), tick=False):  # read at 1:00: old by 6:00
        accounts_due(riverton, day=SIX.date(), count=1)
    sweep_at(riverton, SIX)  # riverton has no COWS address here: Caselle cannot answer
    run = EventRun.objects.get(event__kind="payment_due")
    assert run.state == "claimed" and "Caselle did not answer" in run.error and run.sent == 0
    assert not OutboundEmail.objects.exists()
    sweep_at(riverton, SIX + timedelta(minutes=3))  # not retried before its time
    assert EventRun.objects.get(pk=run.pk).attempts == 1
    sweep_at(riverton, SIX + timedelta(minutes=6))
    assert EventRun.objects.get(pk=run.pk).attempts == 2
    sweep_at(riverton, SIX + timedelta(days=1))
    run.refresh_from_db()
    assert run.state == "failed" and "The day ended" in run.error
    assert not OutboundEmail.objects.filter(kind="payment_reminder").exists()


def test_a_dead_worker_s_run_is_taken_again_when_its_claim_runs_out_and_emails_once(riverton):
    with time_machine.travel(SIX - timedelta(minutes=5), tick=False):
        accounts_due(riverton, day=SIX.date())
    with time_machine.travel(SIX, tick=False):
        sweep_city(tenant=riverton.tenant)  # makes the runs; the first worker's claim below finds them done
    EventRun.objects.update(state="due", sent=0)
    OutboundEmail.objects.filter(kind="payment_reminder").exclude(account_number="200-0000").delete()
    # A worker claimed the runs and died before finishing (one email of three had been queued before).
    with time_machine.travel(SIX + timedelta(minutes=1), tick=False):
        token, runs = claim_due(tenant=riverton.tenant)
    assert len(runs) == 2
    sweep_at(riverton, SIX + timedelta(minutes=5))  # still claimed by the dead worker: left alone
    assert EventRun.objects.filter(state="claimed").count() == 2
    sweep_at(riverton, SIX + timedelta(minutes=12))  # its claim ran out: taken again
    assert OutboundEmail.objects.filter(kind="payment_reminder").count() == 3
    assert sorted(OutboundEmail.objects.values_list("account_number", flat=True)) == ["200-0000", "200-0001",
                                                                                       "200-0002"]
    # The dead worker, come back to life, cannot mark the run or queue anything.
    for run in runs:
        perform(run=run, token=token)
    assert OutboundEmail.objects.count() == 3
    assert EventRun.objects.get(event__kind="payment_due").sent == 2  # the two the second run queued


def test_turning_an_event_off_before_its_time_sends_nothing_that_day(riverton):
    with time_machine.travel(SIX - timedelta(minutes=5), tick=False):
        accounts_due(riverton, day=SIX.date(), count=1)
        sweep_city(tenant=riverton.tenant)
        from communications.events.services import save_event

        event = city_events(tenant=riverton.tenant)[0]
        save_event(event=event, enabled=False, send_at=time(6, 0), days=3, acting_user=riverton.clerk)
    sweep_at(riverton, SIX + timedelta(minutes=1))
    assert not OutboundEmail.objects.filter(kind="payment_reminder").exists()
    assert not EventRun.objects.filter(event=event).exists()


def test_a_city_that_is_not_active_is_not_swept(riverton):
    from communications.events.tasks import fire_due_events

    with time_machine.travel(SIX - timedelta(minutes=5), tick=False):
        accounts_due(riverton, day=SIX.date(), count=1)
    riverton.tenant.is_active = False
    riverton.tenant.save()
    with time_machine.travel(SIX + timedelta(minutes=1), tick=False):
        assert "riverton" not in fire_due_events()
    assert not OutboundEmail.objects.exists()
