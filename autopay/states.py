"""A scheduled payment's states, and the one function that moves them, recording who moved it last.

  pending  → charging      claimed by a sweep (or charged at once after enrolling)
  pending  → cancelled     AutoPay turned off before the charge started
  charging → pending       the billing system could not be read: tried again on the next sweep
  charging → paid, failed, nothing_due, over_max, cancelled
                           the charge's outcome (its Payment keeps its own history of moves)

Each move is a conditional update (the rows still in the state the caller expects), so two
workers cannot both make it; the caller learns how many rows moved.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ScheduledPayment

S = ScheduledPayment.State
ALLOWED: dict[str, set[str]] = {
    S.PENDING: {S.CHARGING, S.CANCELLED},
    S.CHARGING: {S.PENDING, S.PAID, S.FAILED, S.NOTHING_DUE, S.OVER_MAXIMUM, S.CANCELLED},
}


class IllegalMove(Exception):
    """A move the states above do not allow; nothing was changed."""


def move(rows: QuerySet, from_state: str, to: str, *, actor: str, **fields) -> int:
    """Move the rows still in `from_state` to `to` (with any extra fields); returns how many moved."""
    if to not in ALLOWED.get(from_state, set()):
        raise IllegalMove(f"a {from_state} scheduled payment cannot become {to}")
    if not actor:
        raise ValueError("a scheduled payment's move needs an actor")
    return rows.filter(state=from_state).update(state=to, moved_by=actor[:60], **fields)
