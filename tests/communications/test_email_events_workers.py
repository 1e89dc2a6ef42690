"""Email Events with real processes: two sweeps racing (threads, and two Celery workers), and a worker killed
in the middle of a run and another started: each account's users get exactly one email, over real SMTP."""

from __future__ import annotations

import signal
import threading
import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from communications.events.models import EventRun
from communications.events.runs import sweep_city
from communications.events.services import city_events
from communications.events.tasks import fire_due_events
from communications.outbox.models import OutboundEmail
from cows_bridge import client as cows_client
from customers.models import LinkedAccount
from tests.conftest import wait_for

from ..factories import MembershipFactory, UserFactory
from .email_events_data import bill


def due_now(city, kind: str, *, days: int):
    """Only `kind` on, its time two minutes ago in the city (so the next sweep fires it), with `days`."""
    local = timezone.localtime(timezone=city.tenant.zone)
    send_at = max(local - timedelta(minutes=2), local.replace(hour=0, minute=0, second=0, microsecond=0))
    for event in city_events(tenant=city.tenant):
        event.enabled = event.kind == kind
        event.send_at, event.days = send_at.time().replace(second=0, microsecond=0), days
        event.save()
    return local.date()


def accounts_due_in_3_days(city, count: int) -> list[str]:
    """`count` accounts due in 3 days, each linked to the resident and a neighbour: 2 emails an account."""
    today = due_now(city, "payment_due", days=3)
    expected = []
    for i in range(count):
        neighbour = UserFactory(email=f"neighbour{i}@example.org")
        MembershipFactory(tenant=city.tenant, user=neighbour)
        bill(city, f"40000{i:02d}", due=today + timedelta(days=3), balance="61.00",
             users=[city.resident, neighbour])
        expected += [city.resident.email, neighbour.email]
    return sorted(expected)


def delivered(smtp_sink, expected: list[str], run_filter: dict, kind: str = "payment_reminder") -> None:
    """Every expected message arrives, nothing else does (a duplicate would arrive in the pause)."""
    smtp_sink.wait_for(len(expected), timeout=60)
    wait_for(lambda: not OutboundEmail.objects.filter(state="queued").exists(), what="the outbox to deliver")
    time.sleep(2)
    assert sorted(r.lower() for r in smtp_sink.recipients()) == expected
    assert OutboundEmail.objects.filter(kind=kind, state="sent").count() == len(expected)
    [run] = EventRun.objects.filter(**run_filter)
    assert run.state == "done" and run.sent == len(expected)


def test_two_sweeps_racing_in_two_threads_email_each_user_once(riverton, smtp_sink, transactional_db):
    expected = accounts_due_in_3_days(riverton, 4)
    barrier = threading.Barrier(2)
    outcomes = []

    def sweep():
        try:
            barrier.wait()
            outcomes.append(sweep_city(tenant=riverton.tenant))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(o.get("payment_due", "") for o in outcomes) == ["", "done"]  # one claimed the run, one found it taken
    delivered(smtp_sink, expected, {"tenant": riverton.tenant, "event__kind": "payment_due"})


def test_two_celery_workers_sweeping_at_once_email_each_user_once(riverton, smtp_sink, celery_workers, settings):
    settings.OUTBOX_DELIVERY = "worker"
    expected = accounts_due_in_3_days(riverton, 5)
    celery_workers(), celery_workers()
    results = [fire_due_events.delay() for _ in range(6)]  # beat's minute, and five more, on two workers
    for result in results:
        result.get(timeout=90)
    delivered(smtp_sink, expected, {"tenant": riverton.tenant, "event__kind": "payment_due"})
    assert EventRun.objects.filter(tenant=riverton.tenant).count() == 1  # Past Due is off


def test_a_worker_killed_mid_run_and_another_started_emails_each_user_once(own_office, riverton, smtp_sink,
                                                                           celery_workers, settings):
    settings.OUTBOX_DELIVERY = "worker"
    sim = own_office(riverton, "events-kill", customers=40, seed=11)
    numbers = [f"{route:03d}-{n:04d}-{suffix:02d}" for route in (1, 2, 3) for n in range(1, 70) for suffix in range(4)]
    found, _missing = cows_client.get_accounts(riverton.tenant, numbers)  # every account of the office
    owing = sorted((s for s in found.values() if s.balance_due > 0 and s.due_date), key=lambda s: s.key)
    assert len(owing) >= 3, "the generated office has bills unpaid"
    owing = [s for s in owing if s.due_date == owing[0].due_date][:3]
    assert len(owing) == 3
    today = timezone.localdate(timezone=riverton.tenant.zone)
    days = (today - owing[0].due_date).days
    assert 0 < days <= 30, "the generated office's last due date is within a month"
    due_now(riverton, "past_due", days=days)
    for summary in owing:  # linked, never read yet: the run must ask Caselle for the balances
        LinkedAccount.objects.create(tenant=riverton.tenant, user=riverton.resident, account_key=summary.key,
                                     customer_number=summary.customer_number)
    # Caselle answers the batch read slowly: the first worker is killed while it waits.
    sim.set_fault(operation="account_batch", mode="slow", delay=4, office="events-kill")
    first = celery_workers()
    fire_due_events.delay()
    wait_for(lambda: EventRun.objects.filter(tenant=riverton.tenant, state="claimed").exists(),
             what="the first worker to claim the run")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    run = EventRun.objects.get(tenant=riverton.tenant)
    assert run.state == "claimed" and not OutboundEmail.objects.exists()

    sim.clear_faults()
    # Ten minutes later the dead worker's claim has run out (its time moved, rather than waited out).
    EventRun.objects.filter(pk=run.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    celery_workers()
    for _ in range(2):
        fire_due_events.delay().get(timeout=90)
    expected = [riverton.resident.email] * 3
    delivered(smtp_sink, expected, {"pk": run.pk}, kind="past_due")
    assert sorted(OutboundEmail.objects.values_list("account_number", flat=True)) == sorted(
        s.customer_number for s in owing)
    assert EventRun.objects.get(pk=run.pk).attempts == 2
    for message in smtp_sink.messages():
        assert message["Subject"].endswith("is past due")
        body = message.get_body(("plain",)).get_content()
        assert "is still unpaid" in body and ("(1 day past due)" if days == 1 else f"({days} days past due)") in body
