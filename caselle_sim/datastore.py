"""The datastore's schema, row types, files and connections (one SQLite file per office)."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import date
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


@dataclass(frozen=True, slots=True)
class UtilityReceipt:
    """What the ledger needs of a receipt posted to a utility account."""

    id: int
    amount_cents: int
    paid_date: date
    posted_key: int


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
