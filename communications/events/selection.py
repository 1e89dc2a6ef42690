"""Who an event emails on a day: the accounts whose bill is due in N days (or was due N days ago and is
unpaid), and every portal user who sees each account (linked to it, or through a landlord link).

The due date and balance are the account's snapshot (billing.accounts: what COWS last said). A
snapshot older than REFRESH_AFTER is read again first, all of them through COWS's batch read (one call
per 200 accounts, cows_bridge.client.get_accounts), never one call per account: a city of 5,000
linked accounts costs 25 calls, twice a morning. A reminder built on a balance days old could tell
someone who paid yesterday that they owe, so when COWS cannot answer the run waits and tries again
(runs.py) rather than send on old values.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.formatting import money
from communications.mailing import office_contact
from portal.models import Tenant
from portal.tenancy import tenant_url

from .models import EmailEvent

REFRESH_AFTER = timedelta(minutes=30)  # both 6:00 events of a morning share one refresh


class CaselleUnavailable(Exception):
    """COWS could not refresh the balances a run needs; the run tries again later."""


@dataclass(frozen=True)
class Reminder:
    """One email of a run: an account's bill, its recipients, the template's values and the outbox key."""

    account_key: str
    customer_number: str
    due_date: date
    amount_due: Decimal
    to: tuple[str, ...]
    context: dict = field(hash=False)
    key: str
    autopay: bool = False


def target_due_date(*, event: EmailEvent, run_date: date) -> date:
    """The due date an event looks for on a day: N days ahead (Payment Due) or N days back (Past Due)."""
    if event.kind == EmailEvent.Kind.PAYMENT_DUE:
        return run_date + timedelta(days=event.days)
    return run_date - timedelta(days=event.days)


def recipients_by_account(*, tenant: Tenant) -> dict[str, set[str]]:
    """account key -> the (lower-cased) emails of the active portal users who see it at this city."""
    from cows_bridge.types import normalize_customer_number

    seen: dict[str, set[str]] = defaultdict(set)
    for key, email in tenant.linked_accounts.filter(user__is_active=True).values_list("account_key", "user__email"):
        seen[key].add(email.lower())
    landlords: dict[int, set[str]] = defaultdict(set)
    for landlord_id, email in tenant.landlord_links.filter(user__is_active=True).values_list(
            "landlord_id", "user__email"):
        landlords[landlord_id].add(email.lower())
    if landlords:
        # The landlord's accounts as last read (a landlord's own pages keep them current).
        for landlord_id, numbers in tenant.landlord_snapshots.filter(landlord_id__in=list(landlords)).values_list(
                "landlord_id", "customer_numbers"):
            for number in numbers:
                seen[normalize_customer_number(number)] |= landlords[landlord_id]
    return seen


def refresh_snapshots(*, tenant: Tenant, keys: list[str]) -> set[str]:
    """Read again the snapshots of these accounts older than REFRESH_AFTER (batch calls); returns the keys COWS
    no longer knows. Raises CaselleUnavailable when COWS cannot answer."""
    from billing.accounts.snapshots import store_summaries
    from cows_bridge import client as cows
    from cows_bridge.errors import CowsError

    fresh = set(tenant.account_snapshots.filter(account_key__in=keys, fetched_at__gte=timezone.now() - REFRESH_AFTER)
                .values_list("account_key", flat=True))
    stale = [k for k in keys if k not in fresh]
    if not stale:
        return set()
    try:
        found, missing = cows.get_accounts(tenant, stale)
    except CowsError as exc:
        raise CaselleUnavailable(str(exc) or exc.__class__.__name__) from exc
    store_summaries(tenant=tenant, summaries=list(found.values()))
    return set(missing)


def _autopay(tenant: Tenant, keys: list[str], due: date) -> dict[str, date | None]:
    """account key -> the day AutoPay charges this bill (None when not scheduled yet), for accounts on AutoPay."""
    from autopay.models import Enrollment, ScheduledPayment

    on = {k: None for k in Enrollment.objects.filter(tenant=tenant, ended_at__isnull=True, account_key__in=keys)
          .values_list("account_key", flat=True)}
    if on:
        pending = ScheduledPayment.objects.filter(tenant=tenant, account_key__in=list(on),
                                                  state=ScheduledPayment.State.PENDING).order_by("charge_on")
        for key, charge_on, due_date in pending.values_list("account_key", "charge_on", "due_date"):
            if on[key] is None or due_date == due:
                on[key] = charge_on
    return on


def _day(d: date) -> str:
    return date_format(d, "M j, Y")


def past_due_note(*, amount: str, days: int) -> str:
    """What a past due bill owes and since when: "$12.50 is still unpaid (1 day past due)", "(3 days past due)"."""
    return ngettext("%(amount)s is still unpaid (%(days)s day past due)",
                    "%(amount)s is still unpaid (%(days)s days past due)", days) % {"amount": amount, "days": days}


def _payment_note(event: EmailEvent, amount: Decimal, due: date, autopay: bool, charge_on: date | None) -> str:
    """The sentence that differs for accounts on AutoPay: "will be charged on …" instead of "is due"."""
    if autopay and charge_on is not None:
        return _("AutoPay will charge %(amount)s on %(date)s, so there is nothing for you to do") % {
            "amount": money(amount), "date": _day(charge_on)}
    if autopay and event.kind == EmailEvent.Kind.PAYMENT_DUE:
        return _("AutoPay will charge %(amount)s before the due date, %(date)s, so there is nothing for you to do") % {
            "amount": money(amount), "date": _day(due)}
    if event.kind == EmailEvent.Kind.PAYMENT_DUE:
        return _("%(amount)s is due on %(date)s") % {"amount": money(amount), "date": _day(due)}
    return past_due_note(amount=money(amount), days=event.days)


def _amount(data: dict) -> Decimal:
    try:
        return Decimal(str(data.get("balance_due") or "0"))
    except InvalidOperation:
        return Decimal("0")


def select_reminders(*, event: EmailEvent, run_date: date, refresh: bool = True) -> list[Reminder]:
    """The emails this event sends on this city day: one per account whose bill matches, to everyone who sees it."""
    tenant = event.tenant
    due = target_due_date(event=event, run_date=run_date)
    recipients = recipients_by_account(tenant=tenant)
    keys = sorted(k for k, emails in recipients.items() if emails)
    gone = refresh_snapshots(tenant=tenant, keys=keys) if (refresh and keys) else set()
    rows = list(tenant.account_snapshots.filter(account_key__in=keys, data__due_date=due.isoformat())
                .exclude(account_key__in=gone).order_by("account_key").values_list("account_key", "data"))
    owing = [(key, data, _amount(data)) for key, data in rows if _amount(data) > 0]
    on_autopay = _autopay(tenant, [key for key, _d, _a in owing], due) if owing else {}
    contact = office_contact(tenant)
    reminders = []
    for key, data, amount in owing:
        autopay = key in on_autopay
        number = data.get("customer_number") or key
        name = f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip()
        context = {
            "city": tenant.name, "name": name or _("customer"), "customer_number": number,
            "amount_due": money(amount), "due_date": _day(due), "days_past_due": str(event.days),
            "pay_link": tenant_url(tenant, path=reverse("pay:account", args=[key])), "office_contact": contact,
            "payment_note": _payment_note(event, amount, due, autopay, on_autopay.get(key)),
        }
        reminders.append(Reminder(account_key=key, customer_number=number, due_date=due, amount_due=amount,
                                  to=tuple(sorted(recipients[key])), context=context, autopay=autopay,
                                  key=f"event:{event.id}:{key}:{due.isoformat()}"))
    return reminders
