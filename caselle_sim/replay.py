"""Replays one account's history from its seed, the office's periods and its receipts."""

from __future__ import annotations

import bisect
import heapq
import random
from datetime import date, timedelta
from typing import Sequence

from . import money, timeutil
from .habits import SEASON, plan_payment
from .history import ADJUSTMENT, BILLING, PAYMENT, Bill, Group, Ledger, Line, Read
from .rates import (
    EXCISE_BP, LINE_ORDER, METERED, NSF_FEE, NSF_FEE_CENTS, PENALTY, PENALTY_BP, PENALTY_MIN,
    PENALTY_THRESHOLD, RECONNECT, RECONNECT_FEE_CENTS, SERVICE_BIT, SERVICES, STORM_S_BP,
    bill_id_for, equal_pay_for_year, rates_for,
)
from .store import Customer, Office, Period, UtilityReceipt

DRAWS_PER_PERIOD = 8  # fixed, so period N's numbers do not depend on how many periods exist


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
            plan = plan_payment(cust, p, u)
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
