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


def work_each(rows, work, *, what: str) -> dict:
    """Run `work(row_id)` for each (row id, city id) of a sweep, in that city; one city's failure is logged and
    the others go on. Returns {row id: what work returned, or "failed"}."""
    import logging

    done = {}
    for row_id, tenant_id in rows:
        with opened(tenant_id):
            try:
                done[row_id] = work(row_id)
            except Exception:  # one city's trouble must not stop the others'
                logging.getLogger(__name__).exception("%s %s failed", what, row_id)
                done[row_id] = "failed"
    return done
