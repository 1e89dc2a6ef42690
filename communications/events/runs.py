"""The beat sweep of Email Events: make each city's runs for its day, claim the due ones, send each once.

Every minute, per active city (in its zone): today's run of each enabled event is made if missing
(EventRun is unique per event and day, so two sweeps make one), then the due runs are claimed in one
write under a fresh token (SKIP LOCKED on PostgreSQL; one conditional UPDATE on SQLite), as
billing/payments/posting.py claims receipts. The claimed run selects its accounts and queues its
emails in the outbox in one transaction that also marks it done, checked against the claim: a
worker killed mid-run leaves nothing behind and its claim runs out (CLAIM_FOR), and the next sweep
runs it again; the outbox keys (event, account, due date) keep a reminder to one email anyway.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.claims import claim_rows
from portal.models import Tenant

from .models import EmailEvent, EventRun
from .schedule import due_at, fires_on
from .selection import CaselleUnavailable, Reminder, select_reminders
from .services import TEMPLATE_OF, city_events, may_start

logger = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=10)  # longer than the largest run; a dead worker's run waits this long
RETRY_AFTER = timedelta(minutes=5)  # when COWS could not refresh the balances
MAX_RUNS = 10  # per city per sweep (a city has two events)


def make_runs(*, tenant: Tenant, day: date, now: datetime | None = None) -> int:
    """Today's run of each enabled event that fires today (made once whatever races); returns how many were new."""
    now = now or timezone.now()
    made = 0
    for event in city_events(tenant=tenant):
        if not event.enabled or not fires_on(day=day, weekday=event.weekday):
            continue
        if event.runs.filter(run_date=day).exists():
            continue
        at = due_at(day=day, send_at=event.send_at, zone=tenant.zone)
        if not may_start(due=at, now=now):
            continue
        try:
            with transaction.atomic():
                EventRun.objects.create(tenant=tenant, event=event, run_date=day, due_at=at)
            made += 1
        except IntegrityError:  # another sweep made it a moment ago
            pass
    return made


def claim_due(*, tenant: Tenant, now: datetime | None = None, limit: int = MAX_RUNS) -> tuple[str, list[EventRun]]:
    """Claim the city's runs that are due (or whose worker's claim ran out) in one write, under a fresh token."""
    now = now or timezone.now()
    free = Q(state=EventRun.State.DUE) | Q(state=EventRun.State.CLAIMED, claimed_until__lt=now)
    query = EventRun.objects.filter(free, tenant=tenant, due_at__lte=now, event__enabled=True)
    token = uuid.uuid4().hex
    claim = {"state": EventRun.State.CLAIMED, "claim_token": token, "claimed_until": now + CLAIM_FOR,
             "attempts": F("attempts") + 1, "started_at": now}
    if not claim_rows(query.order_by("due_at", "id"), limit=limit, values=claim):
        return token, []
    return token, list(EventRun.objects.filter(tenant=tenant, claim_token=token, state=EventRun.State.CLAIMED)
                       .select_related("event", "event__tenant").order_by("due_at", "id"))


def queue_reminder(*, tenant: Tenant, event: EmailEvent, run: EventRun, reminder: Reminder) -> int:
    """Put one reminder in the outbox (its key makes a second queueing a no-op); returns how many will be sent."""
    from communications.outbox import queue_templated
    from customers.notifications import Category

    return queue_templated(tenant=tenant, kind=TEMPLATE_OF[event.kind], to=reminder.to, context=reminder.context,
                           key=reminder.key, category=Category.REMINDERS, account_number=reminder.customer_number,
                           source=f"event:{event.id}:{run.run_date.isoformat()}")


def perform(*, run: EventRun, token: str) -> EventRun.State:
    """Select and queue one claimed run's emails, marking it done in the same transaction (only if still ours)."""
    event = run.event
    try:
        reminders = select_reminders(event=event, run_date=run.run_date)
    except CaselleUnavailable as exc:
        # Keep the claim until the retry time: the next sweep after it takes the run again.
        EventRun.objects.filter(pk=run.pk, claim_token=token).update(
            claimed_until=timezone.now() + RETRY_AFTER, error=f"Caselle did not answer: {exc}"[:300])
        logger.warning("Email Event waits for Caselle", extra={"event": event.kind, "run_date": str(run.run_date)})
        return EventRun.State.CLAIMED
    with transaction.atomic():
        mine = EventRun.objects.filter(pk=run.pk, claim_token=token, state=EventRun.State.CLAIMED)
        if not mine.update(state=EventRun.State.DONE, finished_at=timezone.now()):
            return EventRun.State.DONE  # the claim ran out and another sweep took it: its work, not ours
        sent = sum(queue_reminder(tenant=run.tenant, event=event, run=run, reminder=r) for r in reminders)
        EventRun.objects.filter(pk=run.pk).update(sent=sent, accounts=len(reminders), error="", claimed_until=None)
    logger.info("Email Event sent", extra={"event": event.kind, "accounts": len(reminders), "sent": sent})
    return EventRun.State.DONE


def _fail(run: EventRun, token: str, message: str) -> None:
    EventRun.objects.filter(pk=run.pk, claim_token=token).update(
        state=EventRun.State.FAILED, finished_at=timezone.now(), claimed_until=None, error=message[:300])


def give_up_old_runs(*, tenant: Tenant, today: date, now: datetime | None = None) -> int:
    """Runs of a past day that never finished (COWS down all day, say) are marked failed, not sent late."""
    now = now or timezone.now()
    stuck = Q(state=EventRun.State.DUE) | Q(state=EventRun.State.CLAIMED, claimed_until__lt=now)
    return EventRun.objects.filter(stuck, tenant=tenant, run_date__lt=today).update(
        state=EventRun.State.FAILED, finished_at=now, claimed_until=None,
        error="The day ended before the emails could be sent (Caselle did not answer).")


def sweep_city(*, tenant: Tenant) -> dict:
    """One city's minute: make today's runs, claim the due ones, send each (a failing run does not stop the next)."""
    now = timezone.now()
    today = timezone.localdate(now, timezone=tenant.zone)
    give_up_old_runs(tenant=tenant, today=today, now=now)
    make_runs(tenant=tenant, day=today, now=now)
    token, runs = claim_due(tenant=tenant, now=now)
    done = {}
    for run in runs:
        if run.run_date < today:  # claimed just as the day turned: not sent a day late
            _fail(run, token, "The day ended before the emails could be sent.")
            continue
        try:
            done[run.event.kind] = str(perform(run=run, token=token))
        except Exception as exc:  # one run's trouble is recorded; the other run still goes out
            logger.exception("Email Event run failed")
            _fail(run, token, f"{exc.__class__.__name__}: {exc}")
            done[run.event.kind] = "failed"
    return done
