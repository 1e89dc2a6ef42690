"""An account's history, derived on read from its stored profile and the office's mutations.

Why derived: a 100,000-customer office with three years of monthly bills would be millions of
rows; instead each customer stores a seed and a few behaviour flags, and this module replays
the history deterministically: meter reads, the bill of every closed period (one line per
service, as in the guide's "Transaction Details" table), the office's counter payments up to the
day the office was generated, penalties, NSF returns and reconnect fees, and every receipt the
portal posted since. The same replay answers the summary, bills, transactions, usage and PDF, so
they always agree: balance due is the sum of all transaction lines, and each bill's total due is
previous balance + payments + adjustments + current charges + penalties.

Rules, in the office's words:
- A period's bill counts only once the period is CLOSED; the open period's bill is a draft.
- Reads: WATER is read monthly (in thousands of gallons); SEWER is billed on the same meter's
  reads (so both show the same usage, as in the guide's table).
- Charges: WATER base + per-thousand-gallons, SEWER base + per-thousand, GARBAGE flat,
  STORMWATER flat, STORMWATER S = 7 % of STORMWATER, WATER EXCISE = 6 % of WATER. Rates rise
  4 % a year; the 2025 residential rates reproduce the guide's example (usage 29 -> WATER 27.35,
  SEWER 43.61, GARBAGE 19.00, STORMWATER 3.00, STORMWATER S 0.21, WATER EXCISE 1.64).
- Penalty: when a period is closed, an account (not on Equal Pay) whose previous bill's due
  date has passed and which still owes more than $1.00 is charged 10 % of that past-due
  balance, at least $5.00 ("include in balance due"). It is part of that period's bill.
- The office's own (generated) payments stop the day the office was generated: most pay on time
  and in full, some late, some partially; Equal Pay customers pay their fixed amount and settle
  up on the June bill; Direct Pay is drafted on the due date.
- Payments are applied to the oldest open charges first and shown split by service
  ("UTILITY PAYMENTS", negative amounts). Money beyond what is owed is a credit (shown on the
  account's first service) that later charges use up.
"""

from __future__ import annotations

import bisect
import heapq
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Sequence

from . import money, timeutil
from .store import Customer, Office, Period, UtilityReceipt

SERVICES: tuple[str, ...] = ("WATER", "SEWER", "GARBAGE", "STORMWATER", "STORMWATER S", "WATER EXCISE")
SERVICE_BIT: dict[str, int] = {s: 1 << i for i, s in enumerate(SERVICES)}
ALL_SERVICES_MASK = (1 << len(SERVICES)) - 1
METERED: tuple[str, ...] = ("WATER", "SEWER")
PENALTY, NSF_FEE, RECONNECT = "PENALTY", "NSF FEE", "RECONNECT"
LINE_ORDER: dict[str, int] = {s: i for i, s in enumerate(SERVICES + (PENALTY, NSF_FEE, RECONNECT))}

BILLING, PAYMENT, ADJUSTMENT = "Billing", "Payment", "Adjustment"

# Rates of 2025 in cents; other years scale by 4 % a year.
RATES_2025: dict[str, dict[str, int]] = {
    "RES": {"water_base": 1575, "water_per": 40, "sewer_base": 2621, "sewer_per": 60,
            "garbage": 1900, "storm": 300},
    "COM": {"water_base": 3150, "water_per": 48, "sewer_base": 5242, "sewer_per": 72,
            "garbage": 3800, "storm": 900},
}
STORM_S_BP = 700  # basis points of STORMWATER
EXCISE_BP = 600  # basis points of WATER
PENALTY_BP = 1000
PENALTY_MIN = 500
PENALTY_THRESHOLD = 100
NSF_FEE_CENTS = 3000
RECONNECT_FEE_CENTS = 5000

# Monthly usage factor (Jan..Dec): irrigation summers in the Mountain West.
SEASON = {
    "RES": (0.62, 0.60, 0.68, 0.85, 1.15, 1.55, 1.85, 1.75, 1.35, 0.95, 0.72, 0.64),
    "COM": (0.88, 0.86, 0.90, 0.95, 1.05, 1.15, 1.22, 1.20, 1.10, 1.00, 0.92, 0.90),
}

EQUAL_PAY_SETTLE_MONTH = 6

DRAWS_PER_PERIOD = 8  # fixed, so period N's numbers do not depend on how many periods exist

_rate_cache: dict[tuple[str, int], dict[str, int]] = {}


def rates_for(klass: str, year: int) -> dict[str, int]:
    key = (klass, year)
    hit = _rate_cache.get(key)
    if hit is None:
        factor = Fraction(104, 100) ** (year - 2025)
        hit = {k: int(v * factor + Fraction(1, 2)) for k, v in RATES_2025[klass].items()}
        _rate_cache[key] = hit
    return hit


def equal_pay_for_year(current_cents: int, year: int, current_year: int) -> int:
    """The Equal Pay amount a customer had in an earlier year: today's, less the rate increases
    since, rounded up to whole dollars (so older history does not pile up a credit)."""
    if year >= current_year:
        return current_cents
    factor = Fraction(100, 104) ** (current_year - year)
    dollars = -(-current_cents * factor // 100)
    return int(dollars) * 100


def bill_id_for(customer_id: int, period_id: int) -> str:
    return f"B{customer_id}-{period_id}"


def parse_bill_id(bill_id: str) -> tuple[int, int] | None:
    if not bill_id.startswith("B"):
        return None
    parts = bill_id[1:].split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


# --------------------------------------------------------------------------- results


@dataclass(slots=True)
class Line:
    id: str
    date: date
    period_id: int
    group_id: str
    service: str
    description: str
    amount: int  # cents; negative for payments
    usage: str
    type: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "date": self.date.isoformat(), "period_id": self.period_id,
            "group_id": self.group_id, "service": self.service, "description": self.description,
            "amount": money.fmt(self.amount), "usage": self.usage, "type": self.type,
        }


@dataclass(slots=True)
class Group:
    """One bill, one payment or one adjustment: the rows the portal folds into one."""

    id: str
    date: date
    type: str
    period_id: int
    lines: list[Line]
    seq: int  # processing order, to break ties between groups of one date


@dataclass(slots=True)
class Read:
    service: str
    period_id: int
    period_label: str
    read_date: date
    previous_read: int
    current_read: int
    usage: int
    meter_number: str

    def to_json(self) -> dict[str, object]:
        return {
            "period_id": self.period_id, "period_label": self.period_label,
            "read_date": self.read_date.isoformat(), "previous_read": self.previous_read,
            "current_read": self.current_read, "usage": self.usage,
            "meter_number": self.meter_number,
        }


@dataclass(slots=True)
class Bill:
    bill_id: str
    period: Period
    previous_balance: int
    payments: int  # <= 0
    adjustments: int
    current_charges: int
    penalties: int
    total_due: int
    lines: list[Line]  # the billing lines (one per service)
    penalty_lines: list[Line]
    reads: dict[str, Read]

    def to_json(self, pdf_available: bool) -> dict[str, object]:
        p = self.period
        return {
            "bill_id": self.bill_id, "period_id": p.id, "period_label": p.label,
            "bill_date": p.bill_date.isoformat(), "due_date": p.due_date.isoformat(),
            "previous_balance": money.fmt(self.previous_balance),
            "payments": money.fmt(self.payments), "adjustments": money.fmt(self.adjustments),
            "current_charges": money.fmt(self.current_charges),
            "penalties": money.fmt(self.penalties), "total_due": money.fmt(self.total_due),
            "pdf_available": pdf_available,
        }


@dataclass(slots=True)
class Ledger:
    customer: Customer
    groups: list[Group] = field(default_factory=list)  # in processing (time) order
    bills: list[Bill] = field(default_factory=list)  # closed periods, oldest first
    balance: int = 0
    draft_charges: int | None = None  # the open period's drafted bill (not final)

    @property
    def last_bill(self) -> Bill | None:
        return self.bills[-1] if self.bills else None

    def transactions(self, since: date | None = None) -> list[Line]:
        """Newest first; a group's lines stay in service order."""
        groups = sorted(self.groups, key=lambda g: (g.date, g.seq), reverse=True)
        out: list[Line] = []
        for g in groups:
            if since is None or g.date >= since:
                out.extend(g.lines)
        return out

    def usage(self) -> dict[str, list[Read]]:
        """Reads of each metered service over the closed periods, oldest first."""
        return {s: [b.reads[s] for b in self.bills if s in b.reads]
                for s in METERED if self.customer.services & SERVICE_BIT[s]}

    def services(self) -> list[str]:
        return [s for s in SERVICES if self.customer.services & SERVICE_BIT[s]]


# --------------------------------------------------------------------------- replay


class _Open:
    """Open charges (FIFO) and unapplied credit; balance == sum(remaining) - credit."""

    __slots__ = ("items", "head", "credit", "balance", "first_service")

    def __init__(self, first_service: str) -> None:
        self.items: list[list] = []
        self.head = 0
        self.credit = 0
        self.balance = 0
        self.first_service = first_service

    def charge(self, service: str, cents: int, front: bool = False) -> None:
        self.balance += cents
        use = min(self.credit, cents)
        self.credit -= use
        cents -= use
        if cents > 0:
            if front:
                self.items.insert(self.head, [service, cents])
            else:
                self.items.append([service, cents])

    def pay(self, cents: int) -> dict[str, int]:
        self.balance -= cents
        left = cents
        alloc: dict[str, int] = {}
        items = self.items
        while left > 0 and self.head < len(items):
            it = items[self.head]
            take = it[1] if it[1] <= left else left
            it[1] -= take
            left -= take
            alloc[it[0]] = alloc.get(it[0], 0) + take
            if it[1] == 0:
                self.head += 1
        if left > 0:
            self.credit += left
            alloc[self.first_service] = alloc.get(self.first_service, 0) + left
        return alloc


# Event kinds, in the order they apply when they share a moment.
_CLOSE, _FEE, _PAY, _NSF, _RECEIPT = 0, 1, 2, 3, 4
_PAY_TIME = 12 * 3600  # generated payments are posted at noon
_CLOSE_TIME = 1800  # generated periods were closed at 00:30 the day after the period ended


def generated_closed_at(end: date) -> tuple[date, int]:
    return end + timedelta(days=1), _CLOSE_TIME


def derive(office: Office, periods: list[Period], cust: Customer,
           receipts: Sequence[UtilityReceipt] = ()) -> Ledger:
    """Replay one account's history up to now."""
    services = [s for s in SERVICES if cust.services & SERVICE_BIT[s]]
    ledger = Ledger(cust)
    acc = _Open(services[0] if services else "WATER")
    cid = cust.id
    cutoff = office.cutoff_key
    season = SEASON[cust.klass]
    rng = random.Random(cust.seed)
    rand = rng.random
    read_offset = 2 + cust.route % 5  # each route is read on its own day near period end

    close_keys = [p.close_key for p in periods if p.close_key is not None]
    closed_ids = [p.id for p in periods if p.close_key is not None]
    open_id = next((p.id for p in periods if p.state == "open"), periods[-1].id + 1 if periods else 1)

    def period_at(key: int) -> int:
        i = bisect.bisect_right(close_keys, key)
        return closed_ids[i] if i < len(closed_ids) else open_id

    # Per-period precomputation: reads, charges and the payment draws.
    plans: dict[int, tuple] = {}
    reading = cust.initial_read
    has_water = bool(cust.services & SERVICE_BIT["WATER"])
    for p in periods:
        u = [rand() for _ in range(DRAWS_PER_PERIOD)]
        if p.id < cust.start_period:
            continue
        usage = 0
        if has_water:
            vacant = cust.klass == "RES" and u[1] < 0.008
            usage = 0 if vacant else int(cust.base_usage / 10 * season[p.end.month - 1] * (0.7 + 0.6 * u[0]) + 0.5)
        prev_read, reading = reading, reading + usage
        rates = rates_for(cust.klass, p.end.year)
        charges: list[tuple[str, int, str]] = []
        water = 0
        storm = 0
        for s in services:
            if s == "WATER":
                water = rates["water_base"] + rates["water_per"] * usage
                charges.append((s, water, str(usage)))
            elif s == "SEWER":
                charges.append((s, rates["sewer_base"] + rates["sewer_per"] * usage, str(usage)))
            elif s == "GARBAGE":
                charges.append((s, rates["garbage"], "0"))
            elif s == "STORMWATER":
                storm = rates["storm"]
                charges.append((s, storm, "0"))
            elif s == "STORMWATER S":
                charges.append((s, money.percent(rates["storm"], STORM_S_BP), money.fmt(rates["storm"])))
            elif s == "WATER EXCISE":
                charges.append((s, money.percent(water, EXCISE_BP), money.fmt(water)))
        read_date = p.end - timedelta(days=read_offset)
        reads = {
            s: Read(s, p.id, p.label, read_date, prev_read, reading, usage, cust.meter_number)
            for s in METERED if cust.services & SERVICE_BIT[s]
        }
        plans[p.id] = (charges, reads, u)
        if p.state == "open":
            ledger.draft_charges = sum(c[1] for c in charges)

    # Events: closes, receipts and the reconnect fee are known now; payments are scheduled as
    # each bill closes (their amount depends on what that bill says).
    heap: list[tuple] = []
    seq = 0

    def push(key: int, kind: int, data: object) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (key, kind, seq, data))

    by_id = {p.id: p for p in periods}
    for p in periods:
        if p.close_key is not None and p.id in plans:
            push(p.close_key, _CLOSE, p)
    for r in receipts:
        push(r.posted_key, _RECEIPT, r)
    skip_pay: set[int] = set()
    rc = cust.reconnect_period
    if rc is not None and rc - 1 in by_id and rc - 1 in plans:
        skip_pay = {rc - 2, rc - 1}
        fee_day = by_id[rc - 1].due_date + timedelta(days=10)
        if timeutil.date_key(fee_day, _PAY_TIME) < cutoff:
            push(timeutil.date_key(fee_day, 10 * 3600), _FEE, rc)

    groups = ledger.groups
    last_total = 0
    last_due: date | None = None
    window_pay = 0
    window_adj = 0
    gseq = 0

    def add_group(gid: str, d: date, typ: str, pid: int, lines: list[Line]) -> None:
        nonlocal gseq
        gseq += 1
        groups.append(Group(gid, d, typ, pid, lines, gseq))

    def payment_lines(gid: str, d: date, pid: int, alloc: dict[str, int], sign: int,
                      description: str, typ: str) -> list[Line]:
        return [
            Line(f"{gid}-{LINE_ORDER[s]}", d, pid, gid, s, description, sign * alloc[s], "0", typ)
            for s in sorted(alloc, key=LINE_ORDER.__getitem__) if alloc[s]
        ]

    while heap:
        key, kind, _, data = heapq.heappop(heap)
        if kind == _CLOSE:
            p: Period = data  # type: ignore[assignment]
            charges, reads, u = plans[p.id]
            close_date = timeutil.key_date(key)
            penalty_lines: list[Line] = []
            penalty = 0
            if (last_due is not None and last_due < close_date and cust.pay_profile != "E"
                    and acc.balance > PENALTY_THRESHOLD):
                penalty = max(PENALTY_MIN, money.percent(acc.balance, PENALTY_BP))
                gid = f"PEN{cid}-{p.id}"
                penalty_lines = [Line(f"{gid}-{LINE_ORDER[PENALTY]}", p.bill_date, p.id, gid, PENALTY,
                                      "Late Penalty", penalty, money.fmt(acc.balance), ADJUSTMENT)]
                acc.charge(PENALTY, penalty)
                add_group(gid, p.bill_date, ADJUSTMENT, p.id, penalty_lines)
            bid = bill_id_for(cid, p.id)
            lines = []
            for s, cents, usage_text in charges:
                lines.append(Line(f"{bid}-{LINE_ORDER[s]}", p.bill_date, p.id, bid, s,
                                  "Import Readings" if s == "WATER" else "Automatic Billing",
                                  cents, usage_text, BILLING))
                acc.charge(s, cents)
            add_group(bid, p.bill_date, BILLING, p.id, lines)
            current = sum(c[1] for c in charges)
            ledger.bills.append(Bill(bid, p, last_total, window_pay, window_adj, current, penalty,
                                     acc.balance, lines, penalty_lines, reads))
            last_total, last_due = acc.balance, p.due_date
            window_pay = window_adj = 0
            plan = _plan_payment(cust, p, u)
            if plan is not None and p.id not in skip_pay:
                pay_day, mode, fraction = plan
                pkey = timeutil.date_key(pay_day, _PAY_TIME)
                if pkey < cutoff:
                    push(pkey, _PAY, (p, mode, fraction, acc.balance))
        elif kind == _PAY:
            p, mode, fraction, total_due = data  # type: ignore[misc]
            if mode == "equal":
                amount = equal_pay_for_year(cust.equal_pay_cents or 0, p.end.year, office.generated_today.year)
            else:
                amount = min(total_due, acc.balance)
                if mode == "partial":
                    amount = min(amount, max(100, (amount * fraction // 100) // 100 * 100))
            if amount <= 0:
                continue
            pid = period_at(key)
            d = timeutil.key_date(key)
            gid = f"P{cid}-{p.id}"
            alloc = acc.pay(amount)
            add_group(gid, d, PAYMENT, pid, payment_lines(gid, d, pid, alloc, -1, "UTILITY PAYMENTS", PAYMENT))
            window_pay -= amount
            if p.id == cust.nsf_period:
                nkey = key + 4 * timeutil.DAY
                if nkey < cutoff:
                    push(nkey, _NSF, (p, alloc))
        elif kind == _NSF:
            p, alloc = data  # type: ignore[misc]
            pid = period_at(key)
            d = timeutil.key_date(key)
            gid = f"NSF{cid}-{p.id}"
            lines = payment_lines(gid, d, pid, alloc, 1, "NSF RETURNED PAYMENT", ADJUSTMENT)
            for s in sorted(alloc, key=LINE_ORDER.__getitem__, reverse=True):
                acc.charge(s, alloc[s], front=True)
            lines.append(Line(f"{gid}-{LINE_ORDER[NSF_FEE]}", d, pid, gid, NSF_FEE, "NSF Fee",
                              NSF_FEE_CENTS, "0", ADJUSTMENT))
            acc.charge(NSF_FEE, NSF_FEE_CENTS)
            add_group(gid, d, ADJUSTMENT, pid, lines)
            window_adj += sum(alloc.values()) + NSF_FEE_CENTS
        elif kind == _FEE:
            rperiod: int = data  # type: ignore[assignment]
            pid = period_at(key)
            d = timeutil.key_date(key)
            gid = f"RC{cid}-{rperiod}"
            acc.charge(RECONNECT, RECONNECT_FEE_CENTS)
            add_group(gid, d, ADJUSTMENT, pid, [Line(f"{gid}-{LINE_ORDER[RECONNECT]}", d, pid, gid, RECONNECT,
                                                     "Reconnect Fee", RECONNECT_FEE_CENTS, "0", ADJUSTMENT)])
            window_adj += RECONNECT_FEE_CENTS
            # They pay everything owed the same day to get the water back on.
            amount = acc.balance
            if amount > 0:
                pgid = f"P{cid}-{rperiod}-R"
                alloc = acc.pay(amount)
                add_group(pgid, d, PAYMENT, pid,
                          payment_lines(pgid, d, pid, alloc, -1, "UTILITY PAYMENTS", PAYMENT))
                window_pay -= amount
        else:  # _RECEIPT
            r: UtilityReceipt = data  # type: ignore[assignment]
            pid = period_at(key)
            gid = f"R{r.id}"
            alloc = acc.pay(r.amount_cents)
            add_group(gid, r.paid_date, PAYMENT, pid,
                      payment_lines(gid, r.paid_date, pid, alloc, -1, "UTILITY PAYMENTS", PAYMENT))
            window_pay -= r.amount_cents
    ledger.balance = acc.balance
    return ledger


def _plan_payment(cust: Customer, p: Period, u: list[float]) -> tuple[date, str, int] | None:
    """When and how this customer pays the bill of period p: (day, mode, percent) or None.

    Modes: "full" pays what the bill says (or what is still owed, if less), "partial" a
    share of it rounded to dollars, "equal" the Equal Pay amount.
    """
    due = p.due_date
    profile = cust.pay_profile
    if cust.direct_pay or profile == "D":
        return due, "full", 100  # the office's ACH file drafts on the due date
    if profile == "E":
        # Equal Pay is settled once a year, on the June bill: that month they pay what is owed.
        mode = "full" if p.end.month == EQUAL_PAY_SETTLE_MONTH else "equal"
        return due - timedelta(days=2 + int(u[2] * 6)), mode, 100
    if profile == "L":
        if u[3] < 0.12:
            return due - timedelta(days=1 + int(u[2] * 5)), "full", 100
        return due + timedelta(days=2 + int(u[5] * 24)), "full", 100
    if profile == "P":
        day = due - timedelta(days=int(u[2] * 8)) + timedelta(days=int(u[5] * 6))
        if u[3] < 0.55:
            return day, "partial", 40 + int(u[4] * 50)
        return day, "full", 100
    # "O": ordinary, on time and in full; now and then a month is missed.
    if u[3] < 0.02:
        return None
    return due - timedelta(days=1 + int(u[2] * 12)), "full", 100
