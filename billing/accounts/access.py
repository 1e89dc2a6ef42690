"""Which utility accounts a user may open at this city. A miss is a 404 for "missing" and "not yours" alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404

from cows_bridge.types import AccountSummary

from .snapshots import visible_account_keys


@dataclass
class AccountAccess:
    key: str
    summary: AccountSummary | None
    fetched_at: datetime | None

    @property
    def customer_number(self) -> str:
        return self.summary.customer_number if self.summary else self.key


def access_account(request, account_key: str) -> AccountAccess:
    tenant = request.tenant
    if account_key not in visible_account_keys(tenant=tenant, user=request.user):
        raise Http404
    snap = tenant.account_snapshots.filter(account_key=account_key).first()
    return AccountAccess(key=account_key, summary=AccountSummary.from_json(snap.data) if snap else None,
                         fetched_at=snap.fetched_at if snap else None)
