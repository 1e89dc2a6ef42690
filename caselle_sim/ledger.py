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

# The names below are this module's public face: rates and bill ids live in rates.py, the
# history's types in history.py, customers' usage and paying in habits.py, the replay in replay.py.
from .habits import SEASON
from .history import ADJUSTMENT, BILLING, PAYMENT, Bill, Group, Ledger, Line, Read
from .rates import (
    ALL_SERVICES_MASK, EQUAL_PAY_SETTLE_MONTH, EXCISE_BP, LINE_ORDER, METERED, NSF_FEE,
    NSF_FEE_CENTS, PENALTY, PENALTY_BP, PENALTY_MIN, PENALTY_THRESHOLD, RATES_2025, RECONNECT,
    RECONNECT_FEE_CENTS, SERVICE_BIT, SERVICES, STORM_S_BP, bill_id_for, equal_pay_for_year,
    parse_bill_id, rates_for,
)
from .replay import DRAWS_PER_PERIOD, derive, generated_closed_at
from .store import Customer, Office, Period, UtilityReceipt

__all__ = [
    "ADJUSTMENT", "ALL_SERVICES_MASK", "BILLING", "Bill", "Customer", "DRAWS_PER_PERIOD",
    "EQUAL_PAY_SETTLE_MONTH", "EXCISE_BP", "Group", "LINE_ORDER", "Ledger", "Line", "METERED",
    "NSF_FEE", "NSF_FEE_CENTS", "Office", "PAYMENT", "PENALTY", "PENALTY_BP", "PENALTY_MIN",
    "PENALTY_THRESHOLD", "Period", "RATES_2025", "RECONNECT", "RECONNECT_FEE_CENTS", "Read",
    "SEASON", "SERVICES", "SERVICE_BIT", "STORM_S_BP", "UtilityReceipt", "bill_id_for", "derive",
    "equal_pay_for_year", "generated_closed_at", "parse_bill_id", "rates_for",
]
