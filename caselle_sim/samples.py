"""What generate.py works out for its customers: an Equal Pay estimate, and the sample accounts it reports."""

from __future__ import annotations

import math
import sqlite3

from . import ledger, money, store


def equal_pay_estimate(klass: str, services: int, base_usage: int, year: int) -> int:
    """A year's average bill at this year's rates, rounded up to whole dollars."""
    rates = ledger.rates_for(klass, year)
    season = ledger.SEASON[klass]
    usage = base_usage / 10 * sum(season) / 12
    total = 0
    water = rates["water_base"] + rates["water_per"] * usage
    if services & ledger.SERVICE_BIT["WATER"]:
        total += water + water * ledger.EXCISE_BP / 10000
    if services & ledger.SERVICE_BIT["SEWER"]:
        total += rates["sewer_base"] + rates["sewer_per"] * usage
    if services & ledger.SERVICE_BIT["GARBAGE"]:
        total += rates["garbage"]
    if services & ledger.SERVICE_BIT["STORMWATER"]:
        total += rates["storm"] * (1 + ledger.STORM_S_BP / 10000)
    return int(math.ceil(total / 100)) * 100


def pick_samples(conn: sqlite3.Connection, office: store.Office, periods: list[store.Period],
                 rows: list[list], linked: set[int]) -> list[dict[str, object]]:
    """Two ordinary residential accounts a portal test can link and pay without surprises."""
    need = ledger.SERVICE_BIT["WATER"] | ledger.SERVICE_BIT["SEWER"]
    samples: list[dict[str, object]] = []
    for row in rows:
        (cid, number, _digits, first, last, service_addr, mailing, email, klass, services, _bu,
         _seed, profile, equal_pay, direct_pay, block_cc, block_ach, _sp, start_period, nsf, rc,
         *_rest) = row
        if (klass != "RES" or not email or block_cc or block_ach or direct_pay or profile != "O"
                or equal_pay is not None or nsf is not None or rc is not None
                or (services & need) != need or cid in linked or start_period != 1
                or mailing != service_addr):
            continue
        cust = store.customer_by_id(conn, cid)
        assert cust is not None
        led = ledger.derive(office, periods, cust, [])
        last_bill = led.last_bill
        if last_bill is None or last_bill.current_charges <= 0:
            continue
        samples.append({
            "customer_number": number, "first_name": first, "last_name": last, "email": email,
            "last_billed_amount": money.fmt(last_bill.current_charges),
            "balance_due": money.fmt(led.balance),
        })
        if len(samples) == 2:
            break
    return samples
