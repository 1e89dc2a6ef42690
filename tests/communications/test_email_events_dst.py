"""Email Events fire in the city's time zone, once a day, on daylight-saving change days too (America/Denver)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from communications.events.models import EventRun
from communications.events.runs import sweep_city
from communications.events.schedule import due_at
from communications.events.services import city_events
from communications.outbox.models import OutboundEmail

from .email_events_data import bill

pytestmark = pytest.mark.django_db
DENVER = ZoneInfo("America/Denver")
SPRING_FORWARD, FALL_BACK = date(2026, 3, 8), date(2026, 11, 1)


def sweep_the_whole_day(city, day: date, *, step=timedelta(minutes=5)) -> None:
    """Beat's sweeps through the city's whole day (23 or 25 hours), every `step` of real (UTC) time."""
    start = datetime.combine(day, time(0), tzinfo=DENVER).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=DENVER).astimezone(UTC)
    moment = start
    while moment < end:
        with time_machine.travel(moment, tick=False):
            sweep_city(tenant=city.tenant)
        moment += step


def only_event_on(city, kind: str, send_at: time):
    events = city_events(tenant=city.tenant)
    for event in events:
        event.enabled = event.kind == kind
        event.send_at = send_at
        event.save()
    return next(e for e in events if e.kind == kind)


@pytest.mark.parametrize("day, hours", [(SPRING_FORWARD, 23), (FALL_BACK, 25)])
def test_a_6_00_event_fires_exactly_once_at_6_00_local_on_a_change_day(riverton, day, hours):
    start = datetime.combine(day, time(0), tzinfo=DENVER).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=DENVER).astimezone(UTC)
    assert (end - start).total_seconds() == hours * 3600  # the day really is short or long
    event = only_event_on(riverton, "payment_due", time(6, 0))
    six = datetime.combine(day, time(6, 0), tzinfo=DENVER)
    bill(riverton, "5000001", due=day + timedelta(days=3), balance="84.20", fetched_at=six - timedelta(minutes=10))
    sweep_the_whole_day(riverton, day)
    [run] = EventRun.objects.filter(event=event)
    assert run.state == "done" and run.run_date == day and run.sent == 1
    [email] = OutboundEmail.objects.filter(tenant=riverton.tenant)
    assert email.to == "rosa@example.org" and email.queued_at == six
    assert run.started_at.astimezone(DENVER).replace(tzinfo=None) == datetime.combine(day, time(6, 0))
    assert run.started_at == run.due_at


def test_the_day_before_and_after_a_change_still_fire_at_6_00_local(riverton):
    event = only_event_on(riverton, "past_due", time(6, 0))
    for day in (SPRING_FORWARD - timedelta(days=1), SPRING_FORWARD + timedelta(days=1)):
        sweep_the_whole_day(riverton, day, step=timedelta(minutes=15))
    runs = EventRun.objects.filter(event=event).order_by("run_date")
    assert [(r.run_date, r.started_at.astimezone(DENVER).strftime("%H:%M %Z")) for r in runs] == [
        (date(2026, 3, 7), "06:00 MST"), (date(2026, 3, 9), "06:00 MDT")]


def test_a_2_30_event_on_the_spring_forward_day_fires_once_at_3_00_the_first_valid_time(riverton):
    event = only_event_on(riverton, "payment_due", time(2, 30))
    sweep_the_whole_day(riverton, SPRING_FORWARD)
    [run] = EventRun.objects.filter(event=event)
    assert run.state == "done"
    assert run.started_at.astimezone(DENVER).strftime("%Y-%m-%d %H:%M %Z") == "2026-03-08 03:00 MDT"


def test_a_1_30_event_on_the_fall_back_day_fires_once_at_its_first_occurrence(riverton):
    event = only_event_on(riverton, "payment_due", time(1, 30))
    sweep_the_whole_day(riverton, FALL_BACK)
    [run] = EventRun.objects.filter(event=event)
    assert run.started_at.astimezone(DENVER).strftime("%H:%M %Z") == "01:30 MDT"  # not again at 1:30 MST
    assert run.started_at == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize("send_at, expected", [
    (time(6, 0), "2026-03-08 06:00 MDT"), (time(2, 0), "2026-03-08 03:00 MDT"),
    (time(2, 59), "2026-03-08 03:00 MDT"), (time(3, 0), "2026-03-08 03:00 MDT"),
    (time(1, 59), "2026-03-08 01:59 MST"), (time(23, 30), "2026-03-08 23:30 MDT"),
])
def test_due_times_on_the_spring_forward_day(send_at, expected):
    assert due_at(day=SPRING_FORWARD, send_at=send_at, zone=DENVER).astimezone(DENVER).strftime(
        "%Y-%m-%d %H:%M %Z") == expected


def test_each_city_fires_at_6_00_in_its_own_zone(riverton, lakeside):
    """Lakeside (America/Chicago) reaches 6:00 an hour before Riverton (America/Denver)."""
    for city in (riverton, lakeside):
        only_event_on(city, "payment_due", time(6, 0))
    with time_machine.travel(datetime(2026, 3, 10, 6, 0, tzinfo=ZoneInfo("America/Chicago")), tick=False):
        for city in (riverton, lakeside):
            sweep_city(tenant=city.tenant)
    assert set(EventRun.objects.filter(state="done").values_list("tenant__slug", flat=True)) == {"lakeside"}
    assert EventRun.objects.get(tenant=riverton.tenant).state == "due"
