"""Which accounts get an Email Bill, to which addresses, with which bill, PDF and words.

The accounts are those the portal knows: linked to a portal user, or read before (a landlord's, one
unlinked since). Each is asked of Caselle again; a paperless one (Send Paper Statement cleared) gets its
bill of the run's period by email, to every portal user linked to it and to the email Caselle has on it,
as the guide's FAQ 2 says: both when they differ, once when they are the same address. A paperless account
with no portal user still gets it at Caselle's address (Splitter sends there too).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format

from billing.accounts.pdfs import bill_pdf_bytes
from billing.formatting import money
from cows_bridge import client as cows
from cows_bridge.errors import CowsAuthFailed, CowsBadResponse, CowsNotFound, CowsRejected
from cows_bridge.types import AccountSummary, BillInfo
from portal.models import Tenant
from portal.tenancy import tenant_url

from ..mailing import office_contact
from ..templates_registry import Link
from .models import BillEmailAccount

logger = logging.getLogger(__name__)
State = BillEmailAccount.State


@dataclass(frozen=True)
class BillEmail:
    """One account's bill, ready for the outbox: one message to each of `to`, the PDF attached."""

    kind: str
    to: tuple[str, ...]
    context: dict
    key: str
    filename: str
    pdf: bytes


@dataclass(frozen=True)
class Outcome:
    account_key: str
    customer_number: str
    state: str
    bill_id: str = ""
    email: BillEmail | None = None


@dataclass(frozen=True)
class _BillRef:  # what billing.accounts.pdfs needs to find (and cache) a bill's PDF
    account_key: str
    bill_id: str


def known_account_keys(*, tenant: Tenant, after: str, limit: int) -> list[str]:
    """The next `limit` account keys the portal knows (linked or read before), in key order, after `after`."""
    linked = tenant.linked_accounts.filter(account_key__gt=after).order_by().values_list("account_key", flat=True)
    seen = tenant.account_snapshots.filter(account_key__gt=after).order_by().values_list("account_key", flat=True)
    return list(linked.union(seen).order_by("account_key")[:limit])


def portal_addresses(*, tenant: Tenant, keys: list[str]) -> dict[str, list[str]]:
    """Each account's linked portal users' email addresses (active users only), in one query."""
    found: dict[str, list[str]] = {}
    rows = (tenant.linked_accounts.filter(account_key__in=keys, user__is_active=True)
            .order_by("account_key", "linked_at", "id").values_list("account_key", "user__email"))
    for key, email in rows:
        found.setdefault(key, []).append(email)
    return found


def recipients(*, portal: list[str], caselle: str) -> tuple[str, ...]:
    """The portal users' addresses and Caselle's, each address once whatever its case (FAQ 2)."""
    out: dict[str, str] = {}
    for address in [*portal, caselle]:
        address = (address or "").strip()
        if address and "@" in address:
            out.setdefault(address.lower(), address)
    return tuple(out.values())


def _day(value) -> str:
    return date_format(value, "M j, Y") if value else ""


def bill_context(*, tenant: Tenant, summary: AccountSummary, bill: BillInfo, latest: Link) -> dict:
    """The Utility Bills template's variables for one account's bill."""
    return {
        "city": tenant.name, "name": summary.name, "customer_number": summary.customer_number,
        "amount_due": money(bill.total_due), "due_date": _day(bill.due_date), "bill_date": _day(bill.bill_date),
        "pay_link": tenant_url(tenant, path=reverse("pay:account", args=[summary.key])),
        "office_contact": office_contact(tenant), "LatestCommunicationLink": latest,
    }


def pdf_filename(*, customer_number: str, period_label: str) -> str:
    """bill-001-0042-00-2026-11.pdf: only letters, digits and dashes from Caselle's values."""
    def clean(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9-]+", "-", text).strip("-")

    return f"bill-{clean(customer_number)}-{clean(period_label)}.pdf"


def period_bill(*, tenant: Tenant, account_key: str, period_id: int) -> BillInfo | None:
    """The account's bill of that period (the newest one right after the close), or None."""
    return next((b for b in cows.get_bills(tenant, account_key) if b.period_id == period_id), None)


def plan_account(*, tenant: Tenant, summary: AccountSummary, period_id: int, period_label: str,
                 portal: list[str], latest: Link) -> Outcome:
    """What one paperless account gets: its bill email, or why not yet (no PDF) or not at all.

    What goes wrong with this account's bill alone (refused, unreadable) leaves it waiting, to be looked at again;
    COWS unreachable or refusing the portal's key stops the chunk (CowsError propagates).
    """
    key, number = summary.key, summary.customer_number
    to = recipients(portal=portal, caselle=summary.email)
    if not to:
        return Outcome(key, number, State.NO_ADDRESS)
    bill_id = ""
    try:
        bill = period_bill(tenant=tenant, account_key=key, period_id=period_id)
        if bill is None:
            return Outcome(key, number, State.NO_BILL)
        bill_id = bill.bill_id
        if not bill.pdf_available:
            return Outcome(key, number, State.WAITING_PDF, bill_id)
        pdf = bill_pdf_bytes(tenant=tenant, bill=_BillRef(key, bill_id))
    except CowsNotFound:  # the account is gone from Caselle, or Splitter's file is not there yet
        return Outcome(key, number, State.WAITING_PDF if bill_id else State.NO_BILL, bill_id)
    except CowsAuthFailed:
        raise
    except (CowsRejected, CowsBadResponse) as exc:
        logger.warning("the bill of %s could not be read yet: %s", number, exc)
        return Outcome(key, number, State.WAITING_PDF, bill_id)
    email = BillEmail(
        kind="bill_utility" if summary.active else "bill_final", to=to,
        context=bill_context(tenant=tenant, summary=summary, bill=bill, latest=latest),
        key=f"bill:{bill.bill_id}:{key}", filename=pdf_filename(customer_number=number, period_label=period_label),
        pdf=pdf)
    return Outcome(key, number, State.QUEUED, bill.bill_id, email)
