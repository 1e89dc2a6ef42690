"""Account snapshots: the portal's copy of what COWS last said, refreshed when stale.

A page uses a snapshot younger than FRESH without asking COWS at all. An older one is
refreshed in one batch call; when COWS cannot answer, the page shows the last known values
with their time and a notice instead of failing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from cows_bridge import client as cows
from cows_bridge.errors import CowsError, CowsNotConfigured, CowsNotFound
from cows_bridge.types import AccountSummary
from portal.models import Tenant

from .models import AccountSnapshot, LandlordSnapshot

logger = logging.getLogger(__name__)


def fresh_for() -> timedelta:
    return timedelta(seconds=getattr(settings, "ACCOUNT_SNAPSHOT_FRESH_SECONDS", 60))


def store_summary(*, tenant: Tenant, summary: AccountSummary) -> None:
    store_summaries(tenant=tenant, summaries=[summary])


def store_summaries(*, tenant: Tenant, summaries: list[AccountSummary]) -> None:
    now = timezone.now()
    AccountSnapshot.objects.bulk_create(
        [AccountSnapshot(tenant=tenant, account_key=s.key, data=s.to_json(), fetched_at=now) for s in summaries],
        update_conflicts=True, unique_fields=["tenant", "account_key"], update_fields=["data", "fetched_at"],
    )


@dataclass
class AccountRow:
    key: str
    summary: AccountSummary | None
    fetched_at: datetime | None
    link_id: int | None = None
    via: str = ""  # the landlord's or cosigner's name when seen through one
    extras: list = field(default_factory=list)  # other apps' links on the card (extras.py)

    @property
    def customer_number(self) -> str:
        return self.summary.customer_number if self.summary else self.key

    @property
    def urls(self) -> dict[str, str]:
        from .links import account_urls

        return account_urls(self.key)


@dataclass
class AccountsView:
    rows: list[AccountRow] = field(default_factory=list)
    unavailable: bool = False  # COWS could not be asked; some values may be old
    oldest: datetime | None = None

    @property
    def stale_rows(self) -> list[AccountRow]:
        return [r for r in self.rows if r.fetched_at is None or r.fetched_at < timezone.now() - fresh_for()]


def _landlord_accounts(tenant: Tenant, landlord_ids: list[int], now) -> tuple[dict[int, LandlordSnapshot], bool]:
    """Each landlord's accounts, refreshed when stale. Returns (snapshots, cows_failed)."""
    snaps = {s.landlord_id: s for s in tenant.landlord_snapshots.filter(landlord_id__in=landlord_ids)}
    failed = False
    for landlord_id in landlord_ids:
        snap = snaps.get(landlord_id)
        if snap is not None and snap.fetched_at >= now - fresh_for():
            continue
        if failed:
            continue
        try:
            landlord = cows.get_landlord(tenant, landlord_id)
        except CowsNotFound:
            landlord = None
        except CowsError:
            failed = True
            continue
        numbers = list(landlord.customer_numbers) if landlord else []
        name = landlord.name if landlord else (snap.name if snap else "")
        snap, _ = LandlordSnapshot.objects.update_or_create(
            tenant=tenant, landlord_id=landlord_id,
            defaults={"customer_numbers": numbers, "name": name, "fetched_at": now})
        snaps[landlord_id] = snap
    return snaps, failed


def accounts_for_user(*, tenant: Tenant, user) -> AccountsView:
    """Every account the user may see at this city (linked directly or through a landlord), with values."""
    from cows_bridge.types import normalize_customer_number

    now = timezone.now()
    view = AccountsView()
    order: dict[str, AccountRow] = {}
    # The directly linked accounts, then their snapshots: two plain queries cost less to build
    # than one with two correlated subqueries (the ORM's compiling, not the database, was the cost).
    for key, link_id in tenant.linked_accounts.filter(user=user).order_by("linked_at", "id").values_list(
            "account_key", "id"):
        order[key] = AccountRow(key=key, summary=None, fetched_at=None, link_id=link_id)
    snapshots: dict[str, AccountSnapshot] = {}
    if order:
        for key, data, fetched_at in tenant.account_snapshots.filter(account_key__in=list(order)).values_list(
                "account_key", "data", "fetched_at"):
            snapshots[key] = AccountSnapshot(account_key=key, data=data, fetched_at=fetched_at)
    landlord_links = list(tenant.landlord_links.filter(user=user).order_by("linked_at", "id"))
    if landlord_links:
        snaps, failed = _landlord_accounts(tenant, [ll.landlord_id for ll in landlord_links], now)
        view.unavailable |= failed
        for ll in landlord_links:
            snap = snaps.get(ll.landlord_id)
            for number in (snap.customer_numbers if snap else []):
                key = normalize_customer_number(number)
                order.setdefault(key, AccountRow(key=key, summary=None, fetched_at=None,
                                                 via=(snap.name or ll.landlord_name)))
        missing = [k for k in order if k not in snapshots]
        if missing:
            for key, data, fetched_at in tenant.account_snapshots.filter(account_key__in=missing).values_list(
                    "account_key", "data", "fetched_at"):
                snapshots[key] = AccountSnapshot(account_key=key, data=data, fetched_at=fetched_at)
    if not order:
        return view

    stale = [k for k in order if k not in snapshots or snapshots[k].fetched_at < now - fresh_for()]
    if stale and not view.unavailable:
        try:
            found, _missing = cows.get_accounts(tenant, stale)
        except CowsNotConfigured:
            view.unavailable = True
        except CowsError as exc:
            logger.warning("showing last known account values: %s", exc)
            view.unavailable = True
        else:
            store_summaries(tenant=tenant, summaries=list(found.values()))
            for key, summary in found.items():
                snapshots[key] = AccountSnapshot(tenant=tenant, account_key=key, data=summary.to_json(), fetched_at=now)
    elif stale:
        view.unavailable = True

    for key, row in order.items():
        snap = snapshots.get(key)
        if snap is not None:
            row.summary = AccountSummary.from_json(snap.data)
            row.fetched_at = snap.fetched_at
        view.rows.append(row)
    times = [r.fetched_at for r in view.rows if r.fetched_at]
    view.oldest = min(times) if times else None
    return view


def visible_account_keys(*, tenant: Tenant, user) -> set[str]:
    """The digits-only numbers of the accounts this user may see here (no COWS call)."""
    from cows_bridge.types import normalize_customer_number

    keys = set(tenant.linked_accounts.filter(user=user).values_list("account_key", flat=True))
    landlord_ids = list(tenant.landlord_links.filter(user=user).values_list("landlord_id", flat=True))
    if landlord_ids:
        for numbers in tenant.landlord_snapshots.filter(landlord_id__in=landlord_ids).values_list(
                "customer_numbers", flat=True):
            keys.update(normalize_customer_number(n) for n in numbers)
    return keys
