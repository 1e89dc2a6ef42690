"""When an event fires: its wall-clock time on a city's day, as one UTC instant.

A city's day can lack or repeat an hour. On the spring-forward day (America/Denver, 2026-03-08)
2:00-2:59 does not exist: an event set inside the gap fires at the first valid instant after it
(3:00 MDT). On the fall-back day (2026-11-01) 1:00-1:59 happens twice: an event set there fires at
the first occurrence only. Every other time, 6:00 included, is one instant on those days as on any
other, and a day has one run (EventRun's unique date), so an event fires once a day whatever the clocks do.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_GAP_MINUTES = 24 * 60  # no zone skips more than a day; the loop below stops well before


def due_at(*, day: date, send_at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `send_at` on `day` in `zone` (first occurrence in a fold, first instant after a gap)."""
    wall = datetime.combine(day, send_at.replace(tzinfo=None))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # exists (fold=0 is the first of two occurrences)
    # In a gap: fold=1 reads it with the offset after the change, which lands before the gap; walk to
    # the first minute whose wall time is at or past the one asked for (the change's instant).
    instant = wall.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    for _ in range(MAX_GAP_MINUTES):
        if instant.astimezone(zone).replace(tzinfo=None) >= wall:
            return instant
        instant += timedelta(minutes=1)
    return first


def fires_on(*, day: date, weekday: int | None) -> bool:
    """Daily events fire every day; a weekly one on its weekday (0 Monday … 6 Sunday)."""
    return weekday is None or day.weekday() == weekday
