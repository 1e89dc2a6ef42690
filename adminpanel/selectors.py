from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from billing.accounts.models import PeriodState
from billing.payments.models import Payment, PaymentEvent, PaymentItem, PaymentSettings
from billing.payments.providers import payment_settings
from communications.models import Communication
from communications.outbox.models import OutboundEmail
from communications.selectors import current_communications
from cows_bridge.models import CowsLink
from customers.models import LinkedAccount, Membership
from portal.models import Tenant

from .people_selectors import paperless_links


# The money the city received: charged (posting pending) or posted. Refunded and returned payments are not.
RECEIVED_STATES = (Payment.State.CHARGED, Payment.State.POSTED)


@dataclass(frozen=True)
class OverviewPeriod:
    """The stretch of days "this period" counts: from `start` (a city date) through today."""

    start: date
    label: str  # the open period's label in Caselle, or "" for the calendar month
    since_close: bool  # True: since the portal saw the last period close; False: the calendar month


def overview_period(*, tenant: Tenant, today: date) -> OverviewPeriod:
    """The billing period open in Caselle as the portal knows it, else the current calendar month.

    The portal knows when a period opened only from seeing the previous one close
    (PeriodState.close_seen_at); before it has seen a close, "this period" is the month.
    """
    state = PeriodState.objects.filter(tenant=tenant).only("open_period_label", "close_seen_at").first()
    if state is not None and state.close_seen_at is not None:
        opened = timezone.localtime(state.close_seen_at, tenant.zone).date()
        return OverviewPeriod(start=min(opened, today), label=state.open_period_label, since_close=True)
    return OverviewPeriod(start=today.replace(day=1), label="", since_close=False)


def portal_overview(*, tenant: Tenant, now: datetime | None = None) -> dict:
    """The Overview's figures of one city, one query each at most; nothing of other cities."""
    zone = tenant.zone
    today = timezone.localdate(now, timezone=zone)
    period = overview_period(tenant=tenant, today=today)
    Role = Membership.Role
    members = tenant.memberships.aggregate(members=Count("id", filter=Q(role=Role.CUSTOMER)),
                                           admins=Count("id", filter=Q(role=Role.OFFICE_ADMIN)))
    day_start, period_start = local_midnight(today, zone), local_midnight(period.start, zone)
    received = (tenant.payments.filter(state__in=RECEIVED_STATES)
                .annotate(paid_at=Coalesce("charged_at", "created_at"))
                .filter(paid_at__gte=min(day_start, period_start),
                        paid_at__lt=local_midnight(today + timedelta(days=1), zone)))
    paid_today = Q(paid_at__gte=day_start)
    in_period = Q(paid_at__gte=period_start)
    payments = received.aggregate(today_count=Count("id", filter=paid_today),
                                  today_amount=Sum("amount", filter=paid_today),
                                  period_count=Count("id", filter=in_period),
                                  period_amount=Sum("amount", filter=in_period))
    zero = Decimal("0.00")
    cows_link = CowsLink.objects.filter(tenant=tenant).first() if tenant.cows_url else None
    emails = OutboundEmail.objects.filter(tenant=tenant, queued_at__gte=day_start).aggregate(
        sent=Count("id", filter=Q(state=OutboundEmail.State.SENT)),
        failed=Count("id", filter=Q(state__in=[OutboundEmail.State.FAILED, OutboundEmail.State.BOUNCED])))
    return {
        "today": today,
        "period": period,
        "member_count": members["members"],
        "admin_count": members["admins"],
        "linked_account_count": tenant.linked_accounts.count(),
        # Paperless as Caselle last told the portal (Send Paper Statement cleared): linked accounts counted as
        # Portal Users lists them (Bills: Paperless), so the figure and its list agree.
        "paperless_count": paperless_links(tenant.linked_accounts.all()).count(),
        "autopay_count": tenant.autopay_enrollments.filter(ended_at__isnull=True).count(),
        "today_count": payments["today_count"], "today_amount": payments["today_amount"] or zero,
        "period_count": payments["period_count"], "period_amount": payments["period_amount"] or zero,
        "pending_count": tenant.payment_items.filter(post_state=PaymentItem.PostState.WAITING).count(),
        "cows_link": cows_link,
        # "Up"/"Down" is as the last call saw it: the figure says when that was, in the city's time.
        "cows_checked_at": (timezone.localtime(cows_link.last_checked_at, zone)
                            if cows_link and cows_link.last_checked_at else None),
        "cows_state": ("not_set_up" if not tenant.cows_url else "unknown" if cows_link is None
                       else "down" if cows_link.is_down else "up"),
        "emails_sent_today": emails["sent"], "emails_failed_today": emails["failed"],
        "recent_signups": list(tenant.memberships.select_related("user").order_by("-created_at")[:10]),
    }


# --- payments ------------------------------------------------------------------------------------

def pending_items(*, tenant: Tenant) -> QuerySet[PaymentItem]:
    """Items charged but not yet in Cash Receipting (the outbox's waiting rows), oldest first."""
    return (tenant.payment_items.filter(post_state=PaymentItem.PostState.WAITING)
            .select_related("payment").order_by("payment__charged_at", "payment__created_at", "id"))


def stuck_processing(*, tenant: Tenant) -> QuerySet[Payment]:
    """Payments sent to the provider whose answer has not come back (the charge's outcome is unknown)."""
    return (tenant.payments.filter(state=Payment.State.PROCESSING, needs_attention_at__isnull=True)
            .order_by("created_at", "id"))


def unresolved_charges(*, tenant: Tenant) -> QuerySet[Payment]:
    """Charges still without an answer after a day: no longer asked about, for the office to settle ("Needs attention")."""
    return (tenant.payments.filter(state=Payment.State.PROCESSING, needs_attention_at__isnull=False)
            .order_by("created_at", "id"))


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def payment_search(text: str) -> Q:
    """Reference, payer email or name, customer number (with or without dashes) or confirmation number."""
    items = PaymentItem.objects.filter(payment=OuterRef("pk"))
    item_match = Q(customer_number__icontains=text) | Q(confirmation_number__icontains=text)
    digits = re.sub(r"[\s.\-]", "", text)  # customer numbers are typed with or without dashes and periods
    if digits.isdigit():
        item_match |= Q(account_key__contains=digits)
    return (Q(reference__icontains=text) | Q(payer_email__icontains=text) | Q(payer_name__icontains=text)
            | Exists(items.filter(item_match)))


def completed_payments(*, tenant: Tenant) -> QuerySet[Payment]:
    """Every payment this city sent to its provider, newest first, with its items (filtered by CompletedPaymentFilter).

    Checkouts never confirmed (nothing went to the provider) are left out.
    """
    payments = (tenant.payments.exclude(state=Payment.State.CREATED)
                .annotate(paid_at=Coalesce("charged_at", "created_at")))
    return payments.prefetch_related(Prefetch("items", queryset=PaymentItem.objects.order_by("id"))).order_by(
        "-paid_at", "-id")


def payment_settings_for_edit(*, tenant: Tenant) -> PaymentSettings:
    """A fresh copy of the city's payment settings: a form may change it in memory without harm."""
    current = payment_settings(tenant)
    return PaymentSettings.objects.get(pk=current.pk, tenant=tenant)


def payment_with_history(*, tenant: Tenant, reference: str) -> Payment | None:
    """One of the city's payments with its items and every event (and who acted), in three queries."""
    events = PaymentEvent.objects.select_related("actor_user").order_by("at", "id")
    return (tenant.payments.filter(reference=reference)
            .prefetch_related(Prefetch("items", queryset=PaymentItem.objects.order_by("id")),
                              Prefetch("events", queryset=events)).first())


# --- communications ---------------------------------------------------------------------------------

def office_communications(*, tenant: Tenant) -> QuerySet[Communication]:
    """Every communication of the city, current and expired, newest first, with who posted it."""
    return tenant.communications.select_related("posted_by").order_by("-posted_at", "-id")


def newest_current_communication_id(*, tenant: Tenant) -> int | None:
    """The communication the bill emails' LatestCommunicationLink points to: the newest one customers see."""
    return current_communications(tenant=tenant).values_list("id", flat=True).first()


def access_communication(*, tenant: Tenant, communication_id: int) -> Communication:
    """One of the city's communications (expired ones too), or 404 for another city's and a missing one alike."""
    found = tenant.communications.filter(pk=communication_id).first()
    if found is None:
        raise Http404
    return found


def access_current_communication(*, tenant: Tenant, communication_id: int) -> Communication:
    """One of the city's communications customers see now, or 404 for an expired, another city's or a missing one."""
    found = current_communications(tenant=tenant).filter(pk=communication_id).first()
    if found is None:
        raise Http404
    return found
