"""Account-copy tasks: noticing a period close, copying an account's history."""

from celery import shared_task

from cows_bridge.errors import CowsError
from portal.context import current_tenant_slug
from portal.models import Tenant

from . import history, periods


@shared_task(name="billing.tasks.poll_periods")
def poll_periods() -> dict:
    """Every city: has the office closed a billing period since we last looked?"""
    seen = {}
    for tenant in Tenant.objects.filter(is_active=True).exclude(cows_url=""):
        current_tenant_slug.set(tenant.slug)
        try:
            seen[tenant.slug] = periods.poll_period_state(tenant=tenant)
        except CowsError as exc:
            seen[tenant.slug] = f"unavailable: {exc}"
    current_tenant_slug.set(None)
    return seen


@shared_task(name="billing.tasks.sync_account_history", autoretry_for=(CowsError,), retry_backoff=30, max_retries=5)
def sync_account_history(tenant_id: int, account_key: str) -> str:
    """Copy one account's history now (after linking), so its first visit is quick."""
    tenant = Tenant.objects.get(pk=tenant_id)
    current_tenant_slug.set(tenant.slug)
    return history.sync_history(tenant=tenant, account_key=account_key, full=True).isoformat()
