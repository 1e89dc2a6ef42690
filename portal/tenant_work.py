"""Work done for one city outside a request (a task, a command): its time zone and log context.

    with working_for(tenant):
        ...   # timezone.localdate() is the city's today; log lines carry the city's slug

A task takes a tenant id and opens it with `opened(tenant_id)`; a sweep visits each city in `working_for`.
Both reset the zone and the log context afterwards, so a worker's next task starts clean.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from django.utils import timezone

from .context import current_tenant_slug
from .models import Tenant


@contextmanager
def working_for(tenant: Tenant) -> Iterator[Tenant]:
    """Activate the city's time zone and log context for the work inside; restore both after."""
    token = current_tenant_slug.set(tenant.slug)
    timezone.activate(tenant.zone)
    try:
        yield tenant
    finally:
        timezone.deactivate()
        current_tenant_slug.reset(token)


@contextmanager
def opened(tenant_id: int) -> Iterator[Tenant]:
    """Load a city by id (a task's argument) and work in it."""
    tenant = Tenant.objects.get(pk=tenant_id)
    with working_for(tenant) as t:
        yield t


def active_tenants(**filters):
    """Every active city, for sweeps that visit each city in turn (each inside working_for)."""
    return Tenant.objects.filter(is_active=True, **filters).order_by("id")
