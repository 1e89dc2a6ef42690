"""An account's history (bills, transactions, usage): copied from COWS into local tables.

History of closed periods cannot change, so pages read the local copy; it is refreshed when a
period close was seen since the last copy, or when it is older than HISTORY_FRESH (payments
arrive during the open period). When COWS cannot answer, the local copy is shown with its time.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cows_bridge import client as cows
from cows_bridge.errors import CowsError
from portal.models import Tenant

from .models import Bill, HistoryEntry, HistoryLine, HistorySync, UsageRead

logger = logging.getLogger(__name__)

# Re-read this much before the newest local line on an incremental sync (late postings, reversals).
OVERLAP = timedelta(days=62)


def history_fresh_for() -> timedelta:
    return timedelta(seconds=getattr(settings, "HISTORY_FRESH_SECONDS", 600))


@dataclass
class HistoryStatus:
    synced_at: datetime | None
    unavailable: bool = False  # COWS could not be asked; the local copy may be behind


def _is_stale(tenant: Tenant, sync: HistorySync | None) -> bool:
    if sync is None or sync.synced_at is None:
        return True
    if sync.synced_at < timezone.now() - history_fresh_for():
        return True
    from .models import PeriodState

    close_seen_at = PeriodState.objects.filter(tenant=tenant).values_list("close_seen_at", flat=True).first()
    return close_seen_at is not None and sync.synced_at < close_seen_at


def ensure_history(*, tenant: Tenant, account_key: str) -> HistoryStatus:
    """The local copy, refreshed first if stale and COWS answers."""
    sync = tenant.history_syncs.filter(account_key=account_key).first()
    if not _is_stale(tenant, sync):
        return HistoryStatus(synced_at=sync.synced_at)
    try:
        synced_at = sync_history(tenant=tenant, account_key=account_key, full=sync is None or sync.synced_at is None)
    except CowsError as exc:
        logger.warning("showing the local copy of history: %s", exc)
        return HistoryStatus(synced_at=sync.synced_at if sync else None, unavailable=True)
    return HistoryStatus(synced_at=synced_at)


def sync_history(*, tenant: Tenant, account_key: str, full: bool = False) -> datetime:
    """Copy the account's bills, transaction lines and usage from COWS; returns when."""
    since = None
    if not full:
        newest = tenant.history_lines.filter(account_key=account_key).order_by("-date").values_list("date", flat=True).first()
        since = newest - OVERLAP if newest else None
    bills = cows.get_bills(tenant, account_key)
    lines = cows.get_transactions(tenant, account_key, since=since)
    _unit, reads = cows.get_usage(tenant, account_key)
    now = timezone.now()

    bill_by_id = {b.bill_id: b for b in bills}
    groups: OrderedDict[str, list] = OrderedDict()
    for line in lines:
        groups.setdefault(line.group_id, []).append(line)
    entries = []
    for group_id, group in groups.items():
        kind = group[0].type or "Billing"
        bill = bill_by_id.get(group_id)
        if kind == "Billing":
            description = f"Utility bill {bill.period_label}" if bill else "Utility bill"
        else:
            description = group[0].description or kind
        entries.append(HistoryEntry(
            tenant=tenant, account_key=account_key, group_id=group_id, date=min(l.date for l in group), kind=kind,
            description=description[:120], amount=sum((l.amount for l in group), Decimal("0.00")),
            period_id=group[0].period_id, bill_id=bill.bill_id if bill else ""))

    with transaction.atomic():
        if since is None:
            tenant.history_entries.filter(account_key=account_key).exclude(group_id__in=list(groups)).delete()
            tenant.history_lines.filter(account_key=account_key).exclude(line_id__in=[l.id for l in lines]).delete()
        else:
            # A line gone from COWS within the re-read window was reversed there: drop it here too.
            tenant.history_lines.filter(account_key=account_key, date__gte=since).exclude(
                line_id__in=[l.id for l in lines]).delete()
            tenant.history_entries.filter(account_key=account_key, date__gte=since).exclude(
                group_id__in=list(groups)).delete()
        tenant.bills.filter(account_key=account_key).exclude(bill_id__in=list(bill_by_id)).delete()
        Bill.objects.bulk_create(
            [Bill(tenant=tenant, account_key=account_key, bill_id=b.bill_id, period_id=b.period_id,
                  period_label=b.period_label, bill_date=b.bill_date, due_date=b.due_date,
                  previous_balance=b.previous_balance, payments=b.payments, adjustments=b.adjustments,
                  current_charges=b.current_charges, penalties=b.penalties, total_due=b.total_due,
                  pdf_available=b.pdf_available) for b in bills],
            update_conflicts=True, unique_fields=["tenant", "account_key", "bill_id"],
            update_fields=["period_id", "period_label", "bill_date", "due_date", "previous_balance", "payments",
                           "adjustments", "current_charges", "penalties", "total_due", "pdf_available"],
            batch_size=500)
        HistoryEntry.objects.bulk_create(
            entries, update_conflicts=True, unique_fields=["tenant", "account_key", "group_id"],
            update_fields=["date", "kind", "description", "amount", "period_id", "bill_id"], batch_size=500)
        HistoryLine.objects.bulk_create(
            [HistoryLine(tenant=tenant, account_key=account_key, group_id=l.group_id, line_id=l.id, date=l.date,
                         service=l.service, description=l.description[:120], amount=l.amount, usage=l.usage,
                         kind=l.type) for l in lines],
            update_conflicts=True, unique_fields=["tenant", "account_key", "line_id"],
            update_fields=["group_id", "date", "service", "description", "amount", "usage", "kind"], batch_size=500)
        UsageRead.objects.bulk_create(
            [UsageRead(tenant=tenant, account_key=account_key, service=r.service, period_id=r.period_id,
                       period_label=r.period_label, read_date=r.read_date, previous_read=r.previous_read,
                       current_read=r.current_read, usage=r.usage, meter_number=r.meter_number) for r in reads],
            update_conflicts=True, unique_fields=["tenant", "account_key", "service", "period_id"],
            update_fields=["period_label", "read_date", "previous_read", "current_read", "usage", "meter_number"],
            batch_size=500)
        HistorySync.objects.update_or_create(
            tenant=tenant, account_key=account_key,
            defaults={"synced_at": now, "last_period_id": max((b.period_id for b in bills), default=None)})
    return now
