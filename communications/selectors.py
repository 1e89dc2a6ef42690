"""Reads of communications, always starting from the tenant."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.models import Tenant

from .models import Communication


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
