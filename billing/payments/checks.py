"""Start-up check: in production, name each active city that cannot take payments yet."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def payments_set_up_in_production(app_configs=None, databases=None, **kwargs):
    """billing.W001 for each active city whose payments are not set up (DJANGO_ENV=production only)."""
    if not settings.PRODUCTION or not databases:
        return []
    from portal.models import Tenant

    from .availability import payments_ready

    try:
        cities = list(Tenant.objects.filter(is_active=True).select_related("payment_settings").order_by("slug"))
        waiting = [city for city in cities if not payments_ready(city)]
    except DatabaseError:  # not migrated yet: nothing to say about cities
        return []
    return [Warning(f"Online payments are not set up for {city.name} ({city.slug}): its payment pages say so "
                    "and take no payments.", hint="Choose Stripe and enter its keys in Admin - Payment settings.",
                    obj=city.slug, id="billing.W001") for city in waiting]
