from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from billing.payments.models import Payment, PaymentEvent, PaymentItem, PaymentSettings
from billing.payments.providers import payment_settings
from communications.models import Communication
from communications.selectors import current_communications
from cows_bridge.models import CowsLink
from customers.models import Membership
from portal.models import Tenant


def portal_overview(*, tenant: Tenant) -> dict:
    """Counts and the latest sign-ups of one city; nothing of other cities."""
    memberships = tenant.memberships
    overview = {
        "member_count": memberships.filter(role=Membership.Role.CUSTOMER).count(),
        "admin_count": memberships.filter(role=Membership.Role.OFFICE_ADMIN).count(),
        "recent_signups": list(memberships.select_related("user").order_by("-created_at")[:10]),
        "linked_account_count": None,
        "pending_count": tenant.payment_items.filter(post_state=PaymentItem.PostState.WAITING).count(),
    }
    linked = getattr(tenant, "linked_accounts", None)
    if linked is not None:
        overview["linked_account_count"] = linked.count()
    overview["cows_link"] = CowsLink.objects.filter(tenant=tenant).first() if tenant.cows_url else None
    return overview


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
