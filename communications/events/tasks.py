"""Email Events' beat task: a thin wrapper visiting each active city in its time zone."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.tenant_work import active_tenants, working_for

logger = logging.getLogger(__name__)


@shared_task(name="communications.events.tasks.fire_due_events")
def fire_due_events() -> dict:
    """Beat, every minute: each city's Email Events that are due now (made, claimed and sent once)."""
    from .runs import sweep_city

    done = {}
    for tenant in active_tenants():
        with working_for(tenant):
            try:
                done[tenant.slug] = sweep_city(tenant=tenant)
            except Exception:  # one city's trouble must not stop the others' reminders
                logger.exception("Email Events sweep failed for a city")
                done[tenant.slug] = "failed"
    return done
