"""The datastore: one SQLite file per office under ``DIR/offices/<slug>/office.sqlite3``.

Why one file per office: generating (or regenerating) an office builds a fresh file beside the
live one and swaps the directory in, so a 100,000-customer build never holds a lock that the
server's other offices would wait on, and the server notices the swap by the file's inode.

What is stored is what the office knows: customers and their profile (the seed of their
history), periods, landlords, Cash Receipting setup, and every mutation made since
generation (receipts, closes, paperless, landlord links). Bills, reads and transaction lines are
derived from these on read by ``ledger.py``; money is always integer cents.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from . import timeutil

SCHEMA_VERSION = "1"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
DB_NAME = "office.sqlite3"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE office (
    slug TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL, api_key TEXT NOT NULL,
    seed INTEGER NOT NULL, generated_today TEXT NOT NULL, city TEXT NOT NULL,
    state TEXT NOT NULL, zip TEXT NOT NULL, next_confirmation INTEGER NOT NULL
);
CREATE TABLE periods (
    id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE, start TEXT NOT NULL, "end" TEXT NOT NULL,
    bill_date TEXT NOT NULL, due_date TEXT NOT NULL, state TEXT NOT NULL, closed_at TEXT,
    close_key INTEGER
);
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, number TEXT NOT NULL, digits TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    service_address TEXT NOT NULL, mailing_address TEXT NOT NULL, email TEXT NOT NULL,
    class TEXT NOT NULL, services INTEGER NOT NULL, base_usage INTEGER NOT NULL,
    seed INTEGER NOT NULL, pay_profile TEXT NOT NULL, equal_pay_cents INTEGER,
    direct_pay INTEGER NOT NULL, block_cc INTEGER NOT NULL, block_ach INTEGER NOT NULL,
    send_paper INTEGER NOT NULL, start_period INTEGER NOT NULL, nsf_period INTEGER,
    reconnect_period INTEGER, meter_number TEXT NOT NULL, initial_read INTEGER NOT NULL,
    route INTEGER NOT NULL, active INTEGER NOT NULL
);
CREATE TABLE landlords (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, email TEXT NOT NULL,
    mailing_address TEXT NOT NULL
);
CREATE TABLE landlord_accounts (
    landlord_id INTEGER NOT NULL, customer_id INTEGER NOT NULL,
    PRIMARY KEY (landlord_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX landlord_accounts_customer ON landlord_accounts (customer_id);
CREATE TABLE categories (
    code TEXT PRIMARY KEY, name TEXT NOT NULL, interfaced INTEGER NOT NULL,
    reference_label TEXT, sort INTEGER NOT NULL
);
CREATE TABLE distributions (
    category_code TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
    allow_online INTEGER NOT NULL, allow_portal INTEGER NOT NULL, sort INTEGER NOT NULL,
    PRIMARY KEY (category_code, code)
);
CREATE TABLE permits (number TEXT PRIMARY KEY, payor_name TEXT NOT NULL, category_code TEXT NOT NULL);
CREATE TABLE receipts (
    id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE,
    confirmation_number TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, customer_id INTEGER,
    category_code TEXT, distribution_code TEXT, category_reference TEXT, payor TEXT,
    comment TEXT, amount_cents INTEGER NOT NULL, method TEXT NOT NULL, paid_at TEXT NOT NULL,
    posted_at TEXT NOT NULL, posted_date TEXT NOT NULL, posted_key INTEGER NOT NULL
);
CREATE INDEX receipts_customer ON receipts (customer_id);
CREATE INDEX receipts_posted_date ON receipts (posted_date);
CREATE TABLE missing_pdfs (bill_id TEXT PRIMARY KEY);
"""


class StoreError(Exception):
    """A domain error with an API error code (mapped to an HTTP status by the API layer)."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Office:
    slug: str
    name: str
    time_zone: str
    api_key: str
    seed: int
    generated_today: date
    city: str
    state: str
    zip: str

    @property
    def zone(self) -> ZoneInfo:
        return timeutil.tz(self.time_zone)

    @property
    def cutoff_key(self) -> int:
        """Generated office activity (counter and mail payments) stops before this moment."""
        return timeutil.date_key(self.generated_today)


@dataclass(frozen=True, slots=True)
class Period:
    id: int
    label: str
    start: date
    end: date
    bill_date: date
    due_date: date
    state: str
    closed_at: str | None
    close_key: int | None  # local key of closed_at; None while open

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "bill_date": self.bill_date.isoformat(),
            "due_date": self.due_date.isoformat(),
            "state": self.state,
            "closed_at": self.closed_at,
        }


CUSTOMER_COLUMNS = (
    "id", "number", "digits", "first_name", "last_name", "service_address", "mailing_address",
    "email", "class", "services", "base_usage", "seed", "pay_profile", "equal_pay_cents",
    "direct_pay", "block_cc", "block_ach", "send_paper", "start_period", "nsf_period",
    "reconnect_period", "meter_number", "initial_read", "route", "active",
)


@dataclass(slots=True)
class Customer:
    id: int
    number: str
    digits: str
    first_name: str
    last_name: str
    service_address: str
    mailing_address: str
    email: str
    klass: str  # "RES" or "COM"
    services: int  # bitmask over ledger.SERVICES
    base_usage: int  # tenths of a thousand gallons per month, before the seasonal factor
    seed: int
    pay_profile: str
    equal_pay_cents: int | None
    direct_pay: bool
    block_cc: bool
    block_ach: bool
    send_paper: bool
    start_period: int
    nsf_period: int | None
    reconnect_period: int | None
    meter_number: str
    initial_read: int
    route: int
    active: bool

    @classmethod
    def from_row(cls, row: tuple) -> "Customer":
        c = cls(*row)
        c.direct_pay, c.block_cc, c.block_ach = bool(c.direct_pay), bool(c.block_cc), bool(c.block_ach)
        c.send_paper, c.active = bool(c.send_paper), bool(c.active)
        return c

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def normalize_customer_number(text: str) -> str:
    """Customers type 001-0042-00, 001.0042.00 or 001004200: match on the digits only."""
    return "".join(ch for ch in str(text) if ch.isdigit())


# --------------------------------------------------------------------------- files and connections


def offices_root(data_dir: Path) -> Path:
    return Path(data_dir) / "offices"


def office_dir(data_dir: Path, slug: str) -> Path:
    return offices_root(data_dir) / slug


def list_offices(data_dir: Path) -> list[str]:
    root = offices_root(data_dir)
    if not root.is_dir():
        return []
    return sorted(
        p.name for p in root.iterdir()
        if SLUG_RE.match(p.name) and (p / DB_NAME).is_file()
    )


def connect(path: Path) -> sqlite3.Connection:
    """Open a connection in autocommit mode; transactions are explicit (BEGIN IMMEDIATE)."""
    conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=True)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = OFF")
    return conn


class ConnectionCache:
    """One connection per thread per office, reopened when the office file was replaced."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._local = threading.local()

    def get(self, slug: str) -> sqlite3.Connection | None:
        if not SLUG_RE.match(slug):
            return None
        path = office_dir(self.data_dir, slug) / DB_NAME
        try:
            ino = os.stat(path).st_ino
        except FileNotFoundError:
            return None
        cache: dict[str, tuple[int, sqlite3.Connection]] = getattr(self._local, "conns", None) or {}
        self._local.conns = cache
        hit = cache.get(slug)
        if hit is not None and hit[0] == ino:
            return hit[1]
        if hit is not None:
            hit[1].close()
        conn = connect(path)
        cache[slug] = (ino, conn)
        return conn

    def close_all(self) -> None:
        for _, conn in (getattr(self._local, "conns", None) or {}).values():
            conn.close()
        self._local.conns = {}


def open_office_db(data_dir: Path, slug: str) -> sqlite3.Connection:
    path = office_dir(data_dir, slug) / DB_NAME
    if not path.is_file():
        raise StoreError("office_not_found", f"no office {slug!r} in {data_dir}", 404)
    return connect(path)


# --------------------------------------------------------------------------- reads


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


@dataclass(frozen=True, slots=True)
class UtilityReceipt:
    """What the ledger needs of a receipt posted to a utility account."""

    id: int
    amount_cents: int
    paid_date: date
    posted_key: int


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


# --------------------------------------------------------------------------- periods


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


def attach_landlord(conn: sqlite3.Connection, landlord_id: int, customer_number: str) -> dict[str, object]:
    cust = find_customer(conn, customer_number)
    if cust is None:
        raise StoreError("account_not_found", f"no customer {customer_number!r}", 404)
    if conn.execute("SELECT 1 FROM landlords WHERE id = ?", (landlord_id,)).fetchone() is None:
        raise StoreError("landlord_not_found", f"no landlord {landlord_id}", 404)
    conn.execute(
        "INSERT OR IGNORE INTO landlord_accounts (landlord_id, customer_id) VALUES (?, ?)",
        (landlord_id, cust.id),
    )
    return landlord_json(conn, landlord_id) or {}


def detach_landlord(conn: sqlite3.Connection, landlord_id: int, customer_number: str) -> dict[str, object]:
    cust = find_customer(conn, customer_number)
    if cust is None:
        raise StoreError("account_not_found", f"no customer {customer_number!r}", 404)
    if conn.execute("SELECT 1 FROM landlords WHERE id = ?", (landlord_id,)).fetchone() is None:
        raise StoreError("landlord_not_found", f"no landlord {landlord_id}", 404)
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
