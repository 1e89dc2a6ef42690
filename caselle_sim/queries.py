"""Reads of an office's datastore: the office, periods, customers, receipts, landlords, PDFs."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .datastore import (
    CUSTOMER_COLUMNS, Customer, Office, Period, UtilityReceipt, normalize_customer_number,
)


def load_office(conn: sqlite3.Connection) -> Office:
    row = conn.execute(
        "SELECT slug, name, time_zone, api_key, seed, generated_today, city, state, zip FROM office"
    ).fetchone()
    return Office(row[0], row[1], row[2], row[3], row[4], date.fromisoformat(row[5]), row[6], row[7], row[8])


def _period_from_row(row: tuple) -> Period:
    return Period(
        row[0], row[1], date.fromisoformat(row[2]), date.fromisoformat(row[3]),
        date.fromisoformat(row[4]), date.fromisoformat(row[5]), row[6], row[7], row[8],
    )


def load_periods(conn: sqlite3.Connection) -> list[Period]:
    rows = conn.execute(
        'SELECT id, label, start, "end", bill_date, due_date, state, closed_at, close_key '
        "FROM periods ORDER BY id"
    ).fetchall()
    return [_period_from_row(r) for r in rows]


def find_customer(conn: sqlite3.Connection, customer_number: str) -> Customer | None:
    digits = normalize_customer_number(customer_number)
    if not digits:
        return None
    row = conn.execute(
        f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customers WHERE digits = ?", (digits,)
    ).fetchone()
    return Customer.from_row(row) if row else None


def customer_by_id(conn: sqlite3.Connection, customer_id: int) -> Customer | None:
    row = conn.execute(
        f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customers WHERE id = ?", (customer_id,)
    ).fetchone()
    return Customer.from_row(row) if row else None


def utility_receipts(conn: sqlite3.Connection, customer_id: int, zone: ZoneInfo) -> list[UtilityReceipt]:
    rows = conn.execute(
        "SELECT id, amount_cents, paid_at, posted_key FROM receipts "
        "WHERE customer_id = ? AND kind = 'utility' ORDER BY posted_key, id",
        (customer_id,),
    ).fetchall()
    return [
        UtilityReceipt(r[0], r[1], datetime.fromisoformat(r[2]).astimezone(zone).date(), r[3])
        for r in rows
    ]


def landlord_ids_for(conn: sqlite3.Connection, customer_id: int) -> list[int]:
    return [r[0] for r in conn.execute(
        "SELECT landlord_id FROM landlord_accounts WHERE customer_id = ? ORDER BY landlord_id",
        (customer_id,),
    )]


def landlord_json(conn: sqlite3.Connection, landlord_id: int) -> dict[str, object] | None:
    row = conn.execute(
        "SELECT id, name, kind, email, mailing_address FROM landlords WHERE id = ?", (landlord_id,)
    ).fetchone()
    if row is None:
        return None
    numbers = [r[0] for r in conn.execute(
        "SELECT c.number FROM landlord_accounts la JOIN customers c ON c.id = la.customer_id "
        "WHERE la.landlord_id = ? ORDER BY c.digits",
        (landlord_id,),
    )]
    return {
        "id": row[0], "name": row[1], "kind": row[2], "email": row[3],
        "mailing_address": row[4], "customer_numbers": numbers,
    }


def search_landlords(conn: sqlite3.Connection, q: str, limit: int = 100) -> list[dict[str, object]]:
    q = q.strip()
    if not q:
        ids = [r[0] for r in conn.execute("SELECT id FROM landlords ORDER BY id LIMIT ?", (limit,))]
    else:
        like = f"%{q.lower()}%"
        id_match = int(q) if q.isdigit() else -1
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM landlords WHERE id = ? OR lower(name) LIKE ? OR lower(email) LIKE ? "
            "ORDER BY id LIMIT ?",
            (id_match, like, like, limit),
        )]
    return [j for j in (landlord_json(conn, i) for i in ids) if j is not None]


def missing_pdf_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT bill_id FROM missing_pdfs")}
