"""Outbox tasks: deliver a city's queued email now (after a commit), and beat's sweep for anything left."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


def enqueue_delivery(*, tenant_id: int) -> None:
    """Ask a worker to deliver the city's email now; beat's sweep picks it up anyway if the broker is down."""
    try:
        deliver.delay(tenant_id)
    except Exception:
        logger.warning("could not enqueue email delivery; beat will pick it up", exc_info=True)


@shared_task(name="communications.outbox.deliver")
def deliver(tenant_id: int) -> dict:
    """Send the city's queued email; when time ran out with more waiting, carry on in a new task."""
    from portal.tenant_work import opened

    from .delivery import deliver_due, has_due

    with opened(tenant_id) as tenant:
        counts = deliver_due(tenant=tenant)
        if counts["sent"] + counts["skipped"] and has_due(tenant):
            enqueue_delivery(tenant_id=tenant_id)
    return counts


@shared_task(name="communications.outbox.deliver_waiting")
def deliver_waiting() -> dict:
    """Beat: deliver every city's email whose time has come (retries, and rows a dead worker left)."""
    from portal.tenant_work import active_tenants, working_for

    from .delivery import deliver_due, has_due

    totals: dict[str, int] = {}
    for tenant in active_tenants():
        with working_for(tenant):
            if has_due(tenant):
                for outcome, n in deliver_due(tenant=tenant, budget=20.0).items():
                    totals[outcome] = totals.get(outcome, 0) + n
    return totals
