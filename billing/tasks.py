from celery import shared_task

from cows_bridge.errors import CowsError
from portal.context import current_tenant_slug
from portal.models import Tenant

from . import history, periods


@shared_task
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


@shared_task(autoretry_for=(CowsError,), retry_backoff=30, max_retries=5)
def sync_account_history(tenant_id: int, account_key: str) -> str:
    """Copy one account's history now (after linking), so its first visit is quick."""
    tenant = Tenant.objects.get(pk=tenant_id)
    current_tenant_slug.set(tenant.slug)
    return history.sync_history(tenant=tenant, account_key=account_key, full=True).isoformat()


@shared_task
def post_payment(payment_id: int) -> list:
    """Post a just-charged payment's items to Cash Receipting."""
    from . import posting

    return posting.post_payment_items(payment_id=payment_id)


@shared_task
def post_waiting_payments() -> dict:
    """Beat: post every waiting item whose retry time has come (COWS was down, or a worker died)."""
    import logging

    from . import checkout, posting

    try:
        checkout.recover_processing()
    except Exception:  # a provider's surprise must not stop every city's posting this round
        logging.getLogger(__name__).exception("recovering unanswered charges failed; posting anyway")
    return posting.post_due_items()
