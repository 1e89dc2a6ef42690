"""Reads of the office's AutoPay screens, each starting from the city (autopay owns the rows)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from autopay.models import AutoPaySettings, Enrollment, Invitation, ScheduledPayment, ScheduleRun
from billing.payments.models import PaymentItem
from portal.models import Tenant

S = ScheduledPayment.State
ACTIVE = (S.PENDING, S.CHARGING)


def scheduled_payments(*, tenant: Tenant) -> QuerySet[ScheduledPayment]:
    """Every scheduled or processed AutoPay payment of the city, latest charge date first, ready to show.

    The amount shown is what was charged once charged, else what is scheduled; the method is the
    payment's once there is one (the enrollment's may have changed since), else the enrollment's.
    """
    items = PaymentItem.objects.order_by("id").only("id", "payment_id", "confirmation_number")
    return (tenant.scheduled_payments
            .select_related("enrollment__user", "enrollment__method", "payment")
            .prefetch_related(Prefetch("payment__items", queryset=items))
            .annotate(shown_amount=Coalesce("charged_amount", "amount"),
                      shown_method_kind=Coalesce("payment__method_kind", "enrollment__method__kind"),
                      shown_method_last4=Coalesce("payment__method_last4", "enrollment__method__last4"))
            .order_by("-charge_on", "-id"))


def settings_for_edit(*, tenant: Tenant) -> AutoPaySettings:
    """A fresh copy of the city's AutoPay settings: a form may change it in memory without harm."""
    return AutoPaySettings.objects.get_or_create(tenant=tenant)[0]  # one query; never the shared cached copy


def last_run(*, tenant: Tenant) -> ScheduleRun | None:
    """The city's latest Schedule Payments (by the period it scheduled), with who ran it."""
    return tenant.autopay_runs.select_related("actor_user").order_by("-period_id").first()


def live_enrollments(*, tenant: Tenant) -> QuerySet[Enrollment]:
    """Every account on AutoPay now, with its person and method, by customer number."""
    return (tenant.autopay_enrollments.filter(ended_at__isnull=True).select_related("user", "method")
            .order_by("customer_number", "id"))


def waiting_enrollments(*, tenant: Tenant) -> QuerySet[Enrollment]:
    """Live enrollments with no payment pending or being charged, with their latest payment's state."""
    active = ScheduledPayment.objects.filter(enrollment=OuterRef("pk"), state__in=ACTIVE)
    latest = ScheduledPayment.objects.filter(enrollment=OuterRef("pk")).order_by("-period_id", "-id")
    return (live_enrollments(tenant=tenant).exclude(Exists(active))
            .annotate(latest_state=Subquery(latest.values("state")[:1]),
                      latest_period=Subquery(latest.values("period_label")[:1]),
                      latest_message=Subquery(latest.values("message")[:1])))


def access_enrollment(*, tenant: Tenant, enrollment_id: int) -> Enrollment:
    """The city's live enrollment with this id, or 404 (another city's, or an ended one, alike)."""
    found = live_enrollments(tenant=tenant).filter(pk=enrollment_id).first()
    if found is None:
        raise Http404
    return found


def pending_invitations(*, tenant: Tenant) -> QuerySet[Invitation]:
    """Invitations sent and not yet accepted nor expired, newest first."""
    return (tenant.autopay_invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
            .select_related("invited_by").order_by("-invited_at", "-id"))


def linked_users(*, tenant: Tenant, account_key: str) -> list:
    """The city's portal users who linked this account (the people the office may invite), by email."""
    links = tenant.linked_accounts.filter(account_key=account_key).select_related("user").order_by("user__email")
    return [link.user for link in links if link.user.is_active]
