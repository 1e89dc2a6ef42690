"""Noticing that the office closed a billing period, and catching the portal up.

Caselle is the system of record: the office closes the period there (the simulator's
close-period command). Beat runs poll_periods every minute; when the last closed period
changes, every snapshot and history copy of that city is marked stale and the linked
accounts' summaries are re-read, so the new bill amount, due date and bill PDF appear in the
portal without anyone clicking anything.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone as dt_timezone

from django.dispatch import Signal
from django.utils import timezone

from cows_bridge import client as cows
from cows_bridge.errors import CowsError
from portal.models import Tenant

from .models import AccountSnapshot, HistorySync, PeriodState
from .snapshots import store_summaries

logger = logging.getLogger(__name__)
LONG_AGO = datetime(2000, 1, 1, tzinfo=dt_timezone.utc)
# Sent (tenant=, period_id=, period_label=) after the portal caught up with a close it saw;
# AutoPay's automatic Schedule Payments listens. Receivers run in the poller's city and time zone.
period_closed = Signal()


def poll_period_state(*, tenant: Tenant) -> bool:
    """Read the office's periods; True when a new close was seen (and the portal caught up)."""
    status = cows.get_status(tenant)
    now = timezone.now()
    state, _ = PeriodState.objects.get_or_create(tenant=tenant)
    closed = status.last_closed_period
    changed = state.last_closed_period_id is not None and closed is not None and closed.id != state.last_closed_period_id
    first_look = state.last_closed_period_id is None
    state.open_period_id = status.open_period.id if status.open_period else None
    state.open_period_label = status.open_period.label if status.open_period else ""
    state.last_closed_period_id = closed.id if closed else None
    state.last_closed_period_label = closed.label if closed else ""
    state.checked_at = now
    if changed:
        state.close_seen_at = now
    state.save()
    if changed:
        logger.info("billing period %s was closed; catching up", closed.label)
        catch_up_after_close(tenant=tenant)
        for receiver, result in period_closed.send_robust(sender=PeriodState, tenant=tenant, period_id=closed.id,
                                                          period_label=closed.label):
            if isinstance(result, Exception):
                logger.error("after the close of %s, %s failed: %s", closed.label, receiver.__qualname__, result)
    return changed and not first_look


def catch_up_after_close(*, tenant: Tenant) -> int:
    """Mark the city's copies stale and re-read the linked accounts' summaries; returns how many."""
    AccountSnapshot.objects.filter(tenant=tenant).update(fetched_at=LONG_AGO)
    HistorySync.objects.filter(tenant=tenant).update(synced_at=None)
    keys = set(tenant.linked_accounts.values_list("account_key", flat=True))
    keys |= set(tenant.account_snapshots.values_list("account_key", flat=True))
    keys = sorted(keys)
    refreshed = 0
    for i in range(0, len(keys), 200):
        try:
            found, _missing = cows.get_accounts(tenant, keys[i:i + 200])
        except CowsError as exc:
            logger.warning("could not refresh summaries after a close: %s", exc)
            break
        store_summaries(tenant=tenant, summaries=list(found.values()))
        refreshed += len(found)
    return refreshed
