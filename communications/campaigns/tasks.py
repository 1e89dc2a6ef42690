"""Campaign tasks: thin, taking ids; one chunk each, the next asked for by the one before."""

from __future__ import annotations

from celery import shared_task

from portal.tenant_work import opened

from . import queuing, selectors, services


@shared_task(acks_late=True)
def queue_campaign(tenant_id: int, campaign_id: int, chain: str) -> bool:
    """Queue one chunk of a campaign's messages and, when more remain, ask for the next."""
    with opened(tenant_id):
        more = queuing.queue_chunk(campaign_id=campaign_id, chain=chain)
    if more:
        queue_campaign.delay(tenant_id, campaign_id, chain)
    return more


@shared_task
def resume_stalled_campaigns() -> list[int]:
    """Beat's sweep: a campaign whose queuing stopped (its worker killed) starts again from its cursor; a campaign
    whose every message is done is marked sent."""
    selectors.follow_sending()
    return services.resume_stalled()
