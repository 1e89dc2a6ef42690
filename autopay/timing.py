"""The AutoPay timing rules: when a bill is charged, and how much, from what Caselle says today.

The guide's rules (Customer View – Manage Auto Pay, its three NOTEs), with "today" and the due
date in the city's time zone:

  balance due > 0 and the due date has passed           → the whole balance is charged now
  balance due > 0, due date ahead, due − days ≤ today   → charged now. The guide's example: due on
                                                           the 15th, enrolled on the 12th with 5 days
                                                           prior (the 10th, already gone) → charged
                                                           on the 12th, the day of enrolling
  balance due > 0, due − days in the future             → scheduled for that day
  no balance due (zero or a credit)                     → nothing now; the first payment is
                                                           scheduled when the next period closes

The amount is the Balance Due, or the Equal Pay amount for an account on Equal Pay (budget
billing), never more than the balance due. A bill with no due date is due now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

NOW = "now"
SCHEDULED = "scheduled"
NOTHING_DUE = "nothing_due"


@dataclass(frozen=True)
class Plan:
    """What the rules decide for one account: charge now, on a day, or nothing (with the amount)."""

    kind: str
    charge_on: date | None
    amount: Decimal


def amount_to_charge(*, balance_due: Decimal, equal_pay_amount: Decimal | None) -> Decimal:
    """The Balance Due, or the Equal Pay amount when the account has one; never more than is due."""
    if balance_due <= 0:
        return Decimal("0.00")
    if equal_pay_amount is not None and equal_pay_amount > 0:
        return min(equal_pay_amount, balance_due)
    return balance_due


def plan_payment(*, balance_due: Decimal, equal_pay_amount: Decimal | None, due_date: date | None,
                 days_before_due: int, today: date) -> Plan:
    """Apply the timing rules above to one account on one day of the city."""
    amount = amount_to_charge(balance_due=balance_due, equal_pay_amount=equal_pay_amount)
    if amount <= 0:
        return Plan(NOTHING_DUE, None, Decimal("0.00"))
    if due_date is None or due_date < today:
        return Plan(NOW, today, amount)
    charge_on = due_date - timedelta(days=days_before_due)
    if charge_on <= today:
        return Plan(NOW, today, amount)
    return Plan(SCHEDULED, charge_on, amount)
