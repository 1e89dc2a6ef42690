"""The services an office bills, their rates by year and class, fees, and bill ids."""

from __future__ import annotations

from fractions import Fraction

SERVICES: tuple[str, ...] = ("WATER", "SEWER", "GARBAGE", "STORMWATER", "STORMWATER S", "WATER EXCISE")
SERVICE_BIT: dict[str, int] = {s: 1 << i for i, s in enumerate(SERVICES)}
ALL_SERVICES_MASK = (1 << len(SERVICES)) - 1
METERED: tuple[str, ...] = ("WATER", "SEWER")
PENALTY, NSF_FEE, RECONNECT = "PENALTY", "NSF FEE", "RECONNECT"
LINE_ORDER: dict[str, int] = {s: i for i, s in enumerate(SERVICES + (PENALTY, NSF_FEE, RECONNECT))}

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
EQUAL_PAY_SETTLE_MONTH = 6

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

