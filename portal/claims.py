"""Claiming rows of work that happens later (posting, email, texts, runs) for one worker, in one write.

    taken = claim_rows(due.order_by("id"), limit=50, values={"claim_token": token, "claimed_until": until})
    rows = Model.objects.filter(claim_token=token, ...)

On PostgreSQL the candidates are locked with SKIP LOCKED, so workers pass over each other's rows
instead of waiting; on SQLite (one writer at a time) the check and the claim are one UPDATE
statement whatever the transaction mode. Either way a row is claimed by one worker only; the caller
reads back what it holds by the token it wrote.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import QuerySet


def claim_rows(candidates: QuerySet, *, limit: int, values: dict) -> int:
    """Write `values` (a fresh claim token, a lease…) to at most `limit` of the ordered `candidates`; returns how many."""
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(candidates.select_for_update(skip_locked=True, of=("self",))
                       .values_list("pk", flat=True)[:limit])
            if not ids:
                return 0
            return candidates.model._default_manager.filter(pk__in=ids).update(**values)
    return candidates.order_by().filter(pk__in=candidates.values("pk")[:limit]).update(**values)
