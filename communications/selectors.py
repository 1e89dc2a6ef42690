"""Reads of communications, always starting from the tenant."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Tenant
from portal.tenancy import tenant_url

from .models import Communication, EmailTemplate
from .templates_registry import Link


def city_today(*, tenant: Tenant, now: datetime | None = None) -> date:
    """Today's date in the city's time zone (not the server's, not UTC)."""
    return timezone.localdate(now, timezone=tenant.zone)


def current_communications(*, tenant: Tenant, today: date | None = None) -> QuerySet[Communication]:
    """The communications customers see now, newest first.

    One that expires on D is shown through D-1 and hidden from D on, D being a date in the
    city's time zone: at 23:30 in Denver it is already tomorrow in UTC, but not yet in Denver.
    """
    if today is None:
        today = city_today(tenant=tenant)
    return (tenant.communications
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))
            .order_by("-posted_at", "-id"))


def latest_communication(*, tenant: Tenant, today: date | None = None) -> Communication | None:
    """The newest communication customers see now (what LatestCommunicationLink points to), or None."""
    return current_communications(tenant=tenant, today=today).first()


def latest_communication_link(*, tenant: Tenant, today: date | None = None) -> Link:
    """LatestCommunicationLink: the newest current communication's PDF, or the list when there is none."""
    newest = latest_communication(tenant=tenant, today=today)
    if newest is None:
        return Link(url=tenant_url(tenant, path=reverse("communications:list")), label=str(_("Communications")))
    return communication_link(communication=newest)


def communication_link(*, communication: Communication) -> Link:
    """A link to a communication's PDF as customers open it, with its description as the words."""
    return Link(url=tenant_url(communication.tenant, path=reverse("communications:pdf", args=[communication.pk])),
                label=communication.description)


def customised_templates(*, tenant: Tenant, kinds) -> dict[str, EmailTemplate]:
    """The city's own templates of these kinds, by kind, with who saved them (one query)."""
    rows = tenant.email_templates.filter(kind__in=list(kinds)).select_related("updated_by")
    return {row.kind: row for row in rows}
