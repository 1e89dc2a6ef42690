"""How an office's customers use water and pay their bills, season by season."""

from __future__ import annotations

from datetime import date, timedelta

from .rates import EQUAL_PAY_SETTLE_MONTH
from .store import Customer, Period

# Monthly usage factor (Jan..Dec): irrigation summers in the Mountain West.
SEASON = {
    "RES": (0.62, 0.60, 0.68, 0.85, 1.15, 1.55, 1.85, 1.75, 1.35, 0.95, 0.72, 0.64),
    "COM": (0.88, 0.86, 0.90, 0.95, 1.05, 1.15, 1.22, 1.20, 1.10, 1.00, 0.92, 0.90),
}


def plan_payment(cust: Customer, p: Period, u: list[float]) -> tuple[date, str, int] | None:
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
