"""Account-copy tasks: noticing a period close, copying an account's history."""

import logging

from celery import shared_task

from cows_bridge.errors import CowsError
from portal.tenant_work import active_tenants, opened, working_for

from . import history, periods

logger = logging.getLogger(__name__)


@shared_task(name="billing.tasks.poll_periods")
def poll_periods() -> dict:
    """Every city: has the office closed a billing period since we last looked?"""
    seen = {}
    for tenant in active_tenants().exclude(cows_url=""):
        with working_for(tenant):
            try:
                seen[tenant.slug] = periods.poll_period_state(tenant=tenant)
            except CowsError as exc:
                seen[tenant.slug] = f"unavailable: {exc}"
            except Exception:  # one city's trouble must not keep the others from being looked at
                logger.exception("could not check the billing periods")
                seen[tenant.slug] = "failed"
    return seen


@shared_task(name="billing.tasks.sync_account_history", autoretry_for=(CowsError,), retry_backoff=30, max_retries=5)
def sync_account_history(tenant_id: int, account_key: str) -> str:
    """Copy one account's history now (after linking), so its first visit is quick."""
    with opened(tenant_id) as tenant:
        return history.sync_history(tenant=tenant, account_key=account_key, full=True).isoformat()
