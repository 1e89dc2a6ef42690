"""Dates, office-local time and the ordering key of ledger events.

Ledger events (bills closing, payments, receipts) are ordered by a "local key": microseconds
since 0001-01-01 on the office's wall clock. It is an int, cheap to compare, and the same whether
the event was generated (a date and a time of day) or happened live (an aware datetime).
Microseconds, because a portal test posts a receipt and closes the period within one second, and
the ledger must still know which came first.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UNIT = 1_000_000  # key units per second
DAY = 86400 * UNIT


def tz(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def now(zone: ZoneInfo) -> datetime:
    return datetime.now(timezone.utc).astimezone(zone)


def today(zone: ZoneInfo) -> date:
    """The office's date on its wall clock (what its staff would call today)."""
    return now(zone).date()


def iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def date_key(d: date, seconds: int = 0) -> int:
    return (d.toordinal() * 86400 + seconds) * UNIT


def local_key(dt: datetime, zone: ZoneInfo) -> int:
    """Key of an aware datetime on the office's wall clock."""
    loc = dt.astimezone(zone)
    secs = loc.toordinal() * 86400 + loc.hour * 3600 + loc.minute * 60 + loc.second
    return secs * UNIT + loc.microsecond


def key_date(key: int) -> date:
    return date.fromordinal(key // DAY)


def local_datetime(d: date, seconds: int, zone: ZoneInfo) -> datetime:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return datetime.combine(d, time(h, m, s), tzinfo=zone)


def parse_datetime(text: str, zone: ZoneInfo) -> datetime:
    """Parse an ISO datetime; a naive one is taken as office-local time."""
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + n
    return idx // 12, idx % 12 + 1


def last_ended_month(day: date) -> tuple[int, int]:
    """(year, month) of the newest month that has ended by `day`: the month before `day`'s.

    The office bills a month once it is over, so this is the period it has open: on Dec 6 it
    is November, and on Dec 31 still November (December has not ended yet).
    """
    return add_months(day.year, day.month, -1)


def first_close_day(period_end: date) -> date:
    """The first day a period may be closed: the 1st of the next month, never its last day
    (the guide's FAQ 3)."""
    return period_end + timedelta(days=1)


def due_date_for(bill_date: date) -> date:
    """The 18th of the following month, moved to Monday when it falls on a weekend.

    So the due date is 18-20 days after the bill and changes from period to period, as the
    guide warns ("Due Dates can change period to period").
    """
    y, m = add_months(bill_date.year, bill_date.month, 1)
    d = date(y, m, 18)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d
