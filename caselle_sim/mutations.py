"""Writes to an office's datastore: periods, closing a period, paperless, flags, landlords, PDFs."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

from . import timeutil
from .datastore import Office, Period, StoreError
from .queries import find_customer, landlord_json, load_periods


PERIOD_INSERT = (
    'INSERT INTO periods (id, label, start, "end", bill_date, due_date, state, closed_at, close_key) '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def make_period_row(pid: int, year: int, month: int, state: str,
                    closed_at: str | None, close_key: int | None) -> tuple:
    start = date(year, month, 1)
    end = timeutil.month_end(year, month)
    due = timeutil.due_date_for(end)
    return (pid, f"{year:04d}-{month:02d}", start.isoformat(), end.isoformat(), end.isoformat(),
            due.isoformat(), state, closed_at, close_key)


def close_period(conn: sqlite3.Connection, office: Office, at: datetime | None = None,
                 force: bool = False) -> tuple[Period, Period]:
    """Close the open period and open the next one (one transaction).

    Closing is what makes the drafted bills final: the ledger counts a period's bills only
    once it is closed, so balance due, last billed amount, due date and the PDF all change
    here, and nothing else needs rewriting (bills are derived).

    As in Caselle, a period is closed only once it is over: from the day after its end (the 1st
    of the next month) on the office's wall clock. Before that it is refused (409
    ``period_not_ended``) and nothing changes, unless ``force`` (for tests that close periods
    back to back).
    """
    zone = office.zone
    conn.execute("BEGIN IMMEDIATE")
    try:
        # The moment is taken inside the write lock, so it orders correctly against receipts.
        at = at or timeutil.now(zone)
        row = conn.execute(
            'SELECT id, label, start, "end" FROM periods WHERE state = ? ORDER BY id DESC LIMIT 1', ("open",)
        ).fetchone()
        if row is None:
            raise StoreError("no_open_period", "the office has no open period", 409)
        end = date.fromisoformat(row[3])
        today = at.astimezone(zone).date()
        first_day = timeutil.first_close_day(end)
        if today < first_day and not force:
            raise StoreError(
                "period_not_ended",
                f"period {row[1]} ({row[2]} to {row[3]}) has not ended: it may be closed on or after "
                f"{first_day.isoformat()} (today is {today.isoformat()} in {office.time_zone}); "
                "use force to close it anyway",
                409,
            )
        closed_at = timeutil.iso(at.astimezone(zone))
        conn.execute("UPDATE periods SET state = 'closed', closed_at = ?, close_key = ? WHERE id = ?",
                     (closed_at, timeutil.local_key(at, zone), row[0]))
        nxt = end + timedelta(days=1)
        conn.execute(PERIOD_INSERT, make_period_row(row[0] + 1, nxt.year, nxt.month, "open", None, None))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    periods = load_periods(conn)
    by_id = {p.id: p for p in periods}
    return by_id[row[0]], by_id[row[0] + 1]


# --------------------------------------------------------------------------- small mutations


def set_paperless(conn: sqlite3.Connection, customer_id: int, paperless: bool) -> None:
    conn.execute("UPDATE customers SET send_paper = ? WHERE id = ?", (0 if paperless else 1, customer_id))


def set_customer_flags(conn: sqlite3.Connection, customer_number: str, flags: dict[str, bool]) -> None:
    """What office staff change in "Modify Existing Customers": the UDF boxes and Direct Pay."""
    cust = find_customer(conn, customer_number)
    if cust is None:
        raise StoreError("account_not_found", f"no customer {customer_number!r}", 404)
    columns = {"BLOCK CC": "block_cc", "BLOCK ACH": "block_ach", "direct_pay": "direct_pay"}
    for name, value in flags.items():
        if name not in columns or not isinstance(value, bool):
            raise StoreError("invalid_field", f"unknown flag {name!r} (known: {', '.join(columns)})", 422)
        conn.execute(f"UPDATE customers SET {columns[name]} = ? WHERE id = ?", (int(value), cust.id))


def _landlord_customer(conn: sqlite3.Connection, landlord_id: int, customer_number: str):
    """The customer to attach to or detach from an existing landlord; StoreError (404) when either is unknown."""
    cust = find_customer(conn, customer_number)
    if cust is None:
        raise StoreError("account_not_found", f"no customer {customer_number!r}", 404)
    if conn.execute("SELECT 1 FROM landlords WHERE id = ?", (landlord_id,)).fetchone() is None:
        raise StoreError("landlord_not_found", f"no landlord {landlord_id}", 404)
    return cust


def attach_landlord(conn: sqlite3.Connection, landlord_id: int, customer_number: str) -> dict[str, object]:
    cust = _landlord_customer(conn, landlord_id, customer_number)
    conn.execute(
        "INSERT OR IGNORE INTO landlord_accounts (landlord_id, customer_id) VALUES (?, ?)",
        (landlord_id, cust.id),
    )
    return landlord_json(conn, landlord_id) or {}


def detach_landlord(conn: sqlite3.Connection, landlord_id: int, customer_number: str) -> dict[str, object]:
    cust = _landlord_customer(conn, landlord_id, customer_number)
    conn.execute(
        "DELETE FROM landlord_accounts WHERE landlord_id = ? AND customer_id = ?", (landlord_id, cust.id)
    )
    return landlord_json(conn, landlord_id) or {}


def set_missing_pdfs(conn: sqlite3.Connection, bill_ids: list[str]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM missing_pdfs")
        conn.executemany("INSERT OR IGNORE INTO missing_pdfs (bill_id) VALUES (?)", [(b,) for b in bill_ids])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
