"""Money as integer cents.

The datastore and the ledger never hold floats: amounts are integer cents, formatted as
two-decimal strings ("123.45") at the API edge and parsed back through Decimal.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def fmt(cents: int) -> str:
    """Format cents as a two-decimal string, e.g. -3147 -> "-31.47"."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"


def parse(value: object) -> int:
    """Parse an API amount ("12.34", 12.34, 12) into cents.

    Raises ValueError for anything that is not a finite number with at most two decimals.
    A JSON number arrives as float; going through its repr keeps "12.34" exact.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError("amount must be a number")
    if isinstance(value, float):
        value = repr(value)
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("amount must be a number") from None
    if not d.is_finite():
        raise ValueError("amount must be a number")
    cents = d * 100
    if cents != cents.to_integral_value():
        raise ValueError("amount must have at most two decimal places")
    return int(cents)


def percent(cents: int, basis_points: int) -> int:
    """cents * basis_points / 10000, rounded half up (positive amounts only)."""
    return (cents * basis_points + 5000) // 10000


def to_decimal(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)
