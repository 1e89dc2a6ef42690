"""Delivering queued texts: a city's after each queuing commit, and beat's sweep over every city for retries."""

from __future__ import annotations

from celery import shared_task

from portal.tenant_work import active_tenants, opened, working_for

from . import services


@shared_task(acks_late=True)
def deliver_texts(tenant_id: int) -> int:
    """Send the city's texts waiting now."""
    with opened(tenant_id) as tenant:
        return services.deliver_waiting(tenant=tenant)


@shared_task
def deliver_waiting_texts() -> int:
    """Beat: every city's texts whose time has come (retries, and rows a dead worker left)."""
    sent = 0
    for tenant in active_tenants():
        with working_for(tenant):
            if services.has_waiting(tenant):
                sent += services.deliver_waiting(tenant=tenant)
    return sent
