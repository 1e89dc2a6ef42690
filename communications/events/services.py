"""The office's Email Events: each city's two events (made with the guide's defaults on first read), and saving one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Tenant

from .models import EmailEvent, EventRun
from .schedule import due_at, fires_on

# The guide: Payment Due at 6am 3 days before the due date; Past Due at 6am 1 day after it.
DEFAULTS = {EmailEvent.Kind.PAYMENT_DUE: {"send_at": time(6, 0), "days": 3},
            EmailEvent.Kind.PAST_DUE: {"send_at": time(6, 0), "days": 1}}
TEMPLATE_OF = {EmailEvent.Kind.PAYMENT_DUE: "payment_reminder", EmailEvent.Kind.PAST_DUE: "past_due"}
MAX_DAYS = 30
# A run is made from the first sweep of the city's day; one made later (the event was just turned on
# or moved past its time) fires only if its time is less than this long ago, else the next day.
CATCH_UP = timedelta(hours=1)


def city_events(*, tenant: Tenant) -> list[EmailEvent]:
    """The city's events in the guide's order, made with the defaults the first time they are asked for."""
    events = {e.kind: e for e in tenant.email_events.all()}
    if len(events) < len(DEFAULTS):
        for kind, values in DEFAULTS.items():
            if kind not in events:
                try:
                    with transaction.atomic():
                        events[kind] = EmailEvent.objects.create(tenant=tenant, kind=kind, **values)
                except IntegrityError:  # made at the same moment by a sweep or another page
                    events[kind] = tenant.email_events.get(kind=kind)
    return [events[kind] for kind in DEFAULTS]


def event_for(*, tenant: Tenant, kind: str) -> EmailEvent | None:
    """One event of the city by kind (None for an unknown kind)."""
    if kind not in DEFAULTS:
        return None
    return next(e for e in city_events(tenant=tenant) if e.kind == kind)


@transaction.atomic
def save_event(*, event: EmailEvent, enabled: bool, send_at: time, days: int, acting_user) -> EmailEvent:
    """Change an event's time, days and on/off; today's run that has not started is remade at the new time."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError("days out of range")
    event.enabled, event.send_at, event.days = enabled, send_at.replace(second=0, microsecond=0), days
    event.updated_at, event.updated_by = timezone.now(), acting_user
    event.save(update_fields=["enabled", "send_at", "days", "updated_at", "updated_by"])
    # A run already claimed or done stands: the same day never fires twice.
    event.runs.filter(state=EventRun.State.DUE, run_date__gte=timezone.localdate(timezone=event.tenant.zone)).delete()
    return event


@dataclass(frozen=True)
class EventStatus:
    event: EmailEvent
    template_kind: str
    next_run: datetime | None  # aware; None when the event is off
    last_run: EventRun | None


def next_run_at(*, event: EmailEvent, now: datetime | None = None) -> datetime | None:
    """When the event fires next: today's time unless today's run has started, else the next day it fires."""
    if not event.enabled:
        return None
    zone = event.tenant.zone
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=zone)
    started = set(event.runs.filter(run_date__gte=today).exclude(state=EventRun.State.DUE)
                  .values_list("run_date", flat=True))
    waiting = event.runs.filter(run_date=today, state=EventRun.State.DUE).exists()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day in started or not fires_on(day=day, weekday=event.weekday):
            continue
        at = due_at(day=day, send_at=event.send_at, zone=zone)
        if day == today and not waiting and not may_start(due=at, now=now):
            continue  # today's time has long gone: the next day it fires
        return at
    return None


def may_start(*, due: datetime, now: datetime) -> bool:
    """A day's run not made yet (an event just turned on or moved, a new city) still fires within CATCH_UP."""
    return now <= due + CATCH_UP


def statuses(*, tenant: Tenant) -> list[EventStatus]:
    """Each event with its template, next run and last finished run, for the office's screen."""
    events = city_events(tenant=tenant)
    finished = [EventRun.State.DONE, EventRun.State.FAILED]
    last = {e.id: e.runs.filter(state__in=finished).order_by("-run_date", "-id").first() for e in events}
    return [EventStatus(event=e, template_kind=TEMPLATE_OF[e.kind], next_run=next_run_at(event=e),
                        last_run=last.get(e.id)) for e in events]

