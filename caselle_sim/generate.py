"""Generate an office: customers, periods, landlords and Cash Receipting setup.

Deterministic for (seed, customers, years, today). Only profiles are stored (one row per
customer); each customer's bills, reads and payments are replayed from its seed by
``ledger.derive``, which is how 100,000 customers build in seconds.

The office is built in a scratch directory and swapped in, so a running server keeps serving
the old office until the new one is complete and then picks the new file up by its inode.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import ledger, names, store, timeutil
from .samples import equal_pay_estimate, pick_samples


@dataclass(frozen=True)
class GenerateOptions:
    data_dir: Path
    slug: str
    name: str
    api_key: str
    customers: int
    seed: int
    time_zone: str = "America/Denver"
    years: int = 3
    today: date | None = None


CATEGORIES: tuple[tuple, ...] = (
    # code, name, interfaced, reference label, distributions (code, name, online, portal)
    ("PR", "Parks & Recreation", False, None, (
        ("PAVILION", "Pavilion rental", True, True),
        ("FIELD", "Field rental", True, True),
        ("PROGRAM", "Program fees", True, False),
    )),
    ("BP", "Building Permits", True, "Permit number", (
        ("PERMIT", "Permit fee", True, True),
    )),
    ("UB", "Utility Billing", True, "Customer number", (
        ("DEPOSIT", "Utility deposit", True, True),
    )),
    ("AL", "Animal Licensing", False, None, (
        ("DOG", "Dog license", True, False),
        ("KENNEL", "Kennel permit", False, False),
    )),
)

UTILITY_CATEGORY = "UB"


def city_of(name: str) -> str:
    for prefix in ("City of ", "Town of ", "Village of ", "City Of "):
        if name.startswith(prefix):
            return name[len(prefix):].strip() or name
    return name


def _email_part(text: str) -> str:
    return "".join(ch for ch in text.lower() if "a" <= ch <= "z")


def generate(opts: GenerateOptions) -> dict[str, object]:
    if not store.SLUG_RE.match(opts.slug):
        raise ValueError("office slug must be lowercase letters, digits and dashes")
    if opts.customers < 1 or opts.customers > 2_000_000:
        raise ValueError("customers must be between 1 and 2,000,000")
    if opts.years < 1 or opts.years > 20:
        raise ValueError("years must be between 1 and 20")
    try:
        zone = timeutil.tz(opts.time_zone)
    except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, or a malformed key
        raise ValueError(f"unknown time zone {opts.time_zone!r}") from None
    today = opts.today or timeutil.today(zone)
    rng = random.Random(opts.seed)
    rand = rng.random
    pick = rng.choice

    state, zip_prefix = pick(names.STATES)
    city = city_of(opts.name)
    office_zip = f"{zip_prefix}{rng.randrange(100, 1000):03d}"

    def address() -> str:
        return f"{rng.randrange(10, 9990)} {pick(names.DIRECTIONS)}{pick(names.STREET_NAMES)} {pick(names.STREET_SUFFIXES)}"

    def full(addr: str, c: str = city, st: str = state, z: str = office_zip) -> str:
        return f"{addr}, {c}, {st} {z}"

    # Periods: `years` of closed monthly periods, then the open one: the newest month that has
    # ended (last month), which the office bills and may close today. The month containing
    # today has not ended, so it has no period yet.
    n_closed = 12 * opts.years
    oy, om = timeutil.last_ended_month(today)
    fy, fm = timeutil.add_months(oy, om, -n_closed)
    period_rows = []
    for i in range(n_closed + 1):
        y, m = timeutil.add_months(fy, fm, i)
        if i < n_closed:
            d, secs = ledger.generated_closed_at(timeutil.month_end(y, m))
            closed_at = timeutil.iso(timeutil.local_datetime(d, secs, zone))
            period_rows.append(store.make_period_row(i + 1, y, m, "closed", closed_at,
                                                     timeutil.date_key(d, secs)))
        else:
            period_rows.append(store.make_period_row(i + 1, y, m, "open", None, None))

    # Customers, one row each.
    n = opts.customers
    n_routes = min(999, max(1, round(math.sqrt(n) / 2)))
    per_route = math.ceil(n / n_routes)
    rows: list[list] = []
    account = 0
    for i in range(n):
        route = i // per_route + 1
        if i % per_route == 0:
            account = 0
        account += 1 + int(rand() * 5)
        commercial = rand() < 0.08
        klass = "COM" if commercial else "RES"
        start_period = 1 if rand() < 0.88 or n_closed < 4 else 2 + int(rand() * (n_closed - 3))
        suffix = 0 if start_period == 1 else 1 + int(rand() * 3)
        number = f"{route:03d}-{account:04d}-{suffix:02d}"
        if commercial:
            first = ""
            last = f"{pick(names.BUSINESS_WORDS)} {pick(names.BUSINESS_KINDS)}{pick(names.BUSINESS_SUFFIXES)}"
        else:
            first, last = pick(names.FIRST_NAMES), pick(names.LAST_NAMES)
        service_addr = full(address())
        r = rand()
        if r < 0.05:
            mailing = full(f"PO Box {rng.randrange(1, 3000)}")
        elif r < 0.09:
            st, zp = pick(names.STATES)
            mailing = full(address(), pick(names.STREET_NAMES) + (" City" if rand() < 0.3 else "ville"),
                           st, f"{zp}{rng.randrange(100, 1000):03d}")
        else:
            mailing = service_addr
        if rand() < 0.15:
            email = ""
        elif commercial:
            email = f"billing{i + 1}@{_email_part(last)[:20] or 'business'}.{pick(names.EMAIL_DOMAINS)}"
        else:
            email = f"{_email_part(first)}.{_email_part(last) or 'customer'}{rng.randrange(1, 999)}@{pick(names.EMAIL_DOMAINS)}"
        r = rand()
        if commercial:
            services = ledger.ALL_SERVICES_MASK & ~(ledger.SERVICE_BIT["GARBAGE"] if r < 0.15 else 0)
            base_usage = 150 + int(rand() * 1050)
        else:
            services = ledger.ALL_SERVICES_MASK
            if r < 0.05:
                services &= ~ledger.SERVICE_BIT["GARBAGE"]
            elif r < 0.08:
                services &= ~ledger.SERVICE_BIT["SEWER"]  # on septic
            base_usage = 40 + int(rand() * 70) + (60 if rand() < 0.10 else 0)
        seed = rng.getrandbits(62)
        r = rand()
        if commercial:
            profile = "O" if r < 0.80 else ("L" if r < 0.95 else "D")
        else:
            profile = "O" if r < 0.72 else "L" if r < 0.84 else "P" if r < 0.92 else "E" if r < 0.97 else "D"
        direct_pay = profile == "D"
        equal_pay = equal_pay_estimate(klass, services, base_usage, today.year) if profile == "E" else None
        block_cc = rand() < 0.01
        block_ach = rand() < 0.015
        send_paper = 1 if not email or rand() < 0.75 else 0
        nsf_period = None
        if rand() < 0.01 and n_closed - start_period >= 3:
            nsf_period = start_period + 1 + int(rand() * (n_closed - start_period - 2))
        reconnect_period = None
        if rand() < 0.005 and n_closed - start_period >= 4 and profile != "D":
            reconnect_period = start_period + 3 + int(rand() * (n_closed - start_period - 3))
        meter = f"{rng.randrange(10_000_000, 100_000_000)}"
        initial_read = rng.randrange(100, 9000)
        rows.append([
            i + 1, number, store.normalize_customer_number(number), first, last, service_addr,
            mailing, email, klass, services, base_usage, seed, profile, equal_pay,
            int(direct_pay), int(block_cc), int(block_ach), send_paper, start_period, nsf_period,
            reconnect_period, meter, initial_read, route, 1,
        ])

    # Landlords (a few per hundred customers, several accounts each) and cosigners.
    n_landlords = max(2, round(n * 0.025))
    n_cosigners = max(1, round(n * 0.008))
    landlord_rows: list[tuple] = []
    links: list[tuple[int, int]] = []
    residential = [row for row in rows if row[8] == "RES"]
    linked: set[int] = set()
    for lid in range(1, n_landlords + n_cosigners + 1):
        kind = "landlord" if lid <= n_landlords else "cosigner"
        if kind == "landlord" and rand() < 0.6:
            lname = f"{pick(names.BUSINESS_WORDS)} {pick(names.LANDLORD_COMPANY_KINDS)}"
            email = f"rentals{lid}@{_email_part(lname)[:18]}.{pick(names.EMAIL_DOMAINS)}"
        else:
            f, last = pick(names.FIRST_NAMES), pick(names.LAST_NAMES)
            lname = f"{f} {last}"
            email = f"{_email_part(f)}.{_email_part(last) or 'owner'}{lid}@{pick(names.EMAIL_DOMAINS)}"
        if rand() < 0.15:
            email = ""
        l_mailing = full(address()) if rand() < 0.7 else full(f"PO Box {rng.randrange(1, 3000)}")
        landlord_rows.append((lid, lname, kind, email, l_mailing))
        count = 2 + int(rand() * 7) if kind == "landlord" else 1 + int(rand() * 3)
        for _ in range(count):
            if not residential:
                break
            row = residential[int(rand() * len(residential))]
            if (lid, row[0]) in linked:
                continue
            linked.add((lid, row[0]))  # type: ignore[arg-type]
            links.append((lid, row[0]))
            if kind == "landlord" and rand() < 0.5:
                row[6] = l_mailing  # the tenant's bills go to the landlord
    linked_customers = {cid for _, cid in links}

    permits = []
    n_permits = 20 + n // 2000
    n_last_year = n_permits // 4  # late in last year's sequence, still being paid this year
    for k in range(n_permits):
        if k < n_last_year:
            year, seqno = today.year - 1, 150 + k
        else:
            year, seqno = today.year, k - n_last_year + 1
        payor = (f"{pick(names.FIRST_NAMES)} {pick(names.LAST_NAMES)}" if rand() < 0.6
                 else f"{pick(names.BUSINESS_WORDS)} Construction{pick(names.BUSINESS_SUFFIXES)}")
        permits.append((f"BP-{year}-{seqno:04d}", payor, "BP"))

    root = store.offices_root(opts.data_dir)
    root.mkdir(parents=True, exist_ok=True)
    scratch = root / f".{opts.slug}.building-{os.getpid()}"
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir()
    (scratch / "pdfs").mkdir()
    db_path = scratch / store.DB_NAME
    conn = sqlite3.connect(str(db_path), isolation_level=None)
    try:
        # Nothing to protect in a scratch file: no journal, no fsync, until it is complete.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN")
        for stmt in store.SCHEMA.split(";"):
            if stmt.strip():
                conn.execute(stmt)
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (store.SCHEMA_VERSION,))
        conn.execute(
            "INSERT INTO office (slug, name, time_zone, api_key, seed, generated_today, city, state, zip, "
            "next_confirmation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (opts.slug, opts.name, opts.time_zone, opts.api_key, opts.seed, today.isoformat(), city,
             state, office_zip, 100 + rng.randrange(900)),
        )
        conn.executemany(store.PERIOD_INSERT, period_rows)
        conn.executemany(
            f"INSERT INTO customers ({', '.join(store.CUSTOMER_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(store.CUSTOMER_COLUMNS))})",
            rows,
        )
        conn.executemany("INSERT INTO landlords (id, name, kind, email, mailing_address) VALUES (?, ?, ?, ?, ?)",
                         landlord_rows)
        conn.executemany("INSERT INTO landlord_accounts (landlord_id, customer_id) VALUES (?, ?)", links)
        for sort, (code, cname, interfaced, label, dists) in enumerate(CATEGORIES):
            conn.execute("INSERT INTO categories (code, name, interfaced, reference_label, sort) VALUES (?, ?, ?, ?, ?)",
                         (code, cname, int(interfaced), label, sort))
            for dsort, (dcode, dname, online, portal) in enumerate(dists):
                conn.execute(
                    "INSERT INTO distributions (category_code, code, name, allow_online, allow_portal, sort) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (code, dcode, dname, int(online), int(portal), dsort),
                )
        conn.executemany("INSERT INTO permits (number, payor_name, category_code) VALUES (?, ?, ?)", permits)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
        office = store.load_office(conn)
        periods = store.load_periods(conn)
        samples = pick_samples(conn, office, periods, rows, linked_customers)
    finally:
        conn.close()

    target = store.office_dir(opts.data_dir, opts.slug)
    trash = root / f".{opts.slug}.old-{os.getpid()}"
    if target.exists():
        target.rename(trash)
    scratch.rename(target)
    if trash.exists():
        shutil.rmtree(trash, ignore_errors=True)
    # The office's town line as its accounts' addresses show it (the demo uses it for the office's own address).
    return {"office": opts.slug, "customers": n, "samples": samples, "town": f"{city}, {state} {office_zip}"}

