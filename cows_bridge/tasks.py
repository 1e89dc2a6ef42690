from celery import shared_task

from portal.context import current_tenant_slug
from portal.models import Tenant

from . import client


@shared_task
def probe_links() -> dict:
    """Ask every city's COWS how it is, so an outage is noticed (and announced) without a visitor."""
    results = {}
    for tenant in Tenant.objects.filter(is_active=True).exclude(cows_url=""):
        current_tenant_slug.set(tenant.slug)
        results[tenant.slug] = client.probe(tenant)
    current_tenant_slug.set(None)
    return results
