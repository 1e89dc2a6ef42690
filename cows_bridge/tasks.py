from celery import shared_task

from portal.tenant_work import active_tenants, working_for

from . import client


@shared_task
def probe_links() -> dict:
    """Ask every city's COWS how it is, so an outage is noticed (and announced) without a visitor."""
    results = {}
    for tenant in active_tenants().exclude(cows_url=""):
        with working_for(tenant):
            results[tenant.slug] = client.probe(tenant)
    return results
