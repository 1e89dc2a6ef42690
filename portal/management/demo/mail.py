"""The demo city's email screens: a paperless account, a period's bill emails, a sent newsletter campaign.

- The demo resident's linked account goes paperless (billing.accounts.services.set_paperless, so Caselle's
  Send Paper Statement is cleared in the simulator): Overview counts it, Email Bills has someone to send to.
- The last closed period's Email Bills run (communications.bill_emails) is started and walked once here,
  as a worker would after the close, so Utility Admin → Email Bills shows a period with figures.
- A newsletter campaign to every Utility Billing user is sent once (communications.campaigns), so Create
  Communications lists a sent campaign.
- What the seed queued is delivered at once (communications.outbox.delivery.deliver_due, to var/mail/), so
  the Email log shows receipts, a payment-returned notice, bills and the newsletter as "Sent".
"""

from __future__ import annotations

from portal.models import Tenant

CAMPAIGN_SUBJECT = "The Fall 2026 Newsletter is out"
CAMPAIGN_BODY = ("<p>Hello {first_name},</p><p>The City of Demo's Fall 2026 Newsletter is attached: leaf pickup "
                 "dates, the new water rates and how to go paperless.</p><p>Thank you for paying online!</p>")


def seed_paperless(*, tenant: Tenant, user) -> int:
    """The user's linked accounts paperless (through COWS); returns how many are paperless."""
    from billing.accounts.services import set_paperless

    keys = list(user.linked_accounts.filter(tenant=tenant).values_list("account_key", flat=True))
    return sum(set_paperless(tenant=tenant, account_key=key, paperless=True, acting_user=user) for key in keys)


def seed_bill_emails(*, tenant: Tenant) -> str:
    """The last closed period's Email Bills run, walked once (started only once); a line saying how it went."""
    from billing.accounts.models import PeriodState
    from billing.accounts.periods import poll_period_state
    from communications.bill_emails.models import BillEmailRun
    from communications.bill_emails.runs import start_run, work_on_run

    poll_period_state(tenant=tenant)
    state = PeriodState.objects.get(tenant=tenant)
    if state.last_closed_period_id is None:
        return "Email Bills demo skipped: the demo office has no closed period"
    run = (start_run(tenant=tenant, period_id=state.last_closed_period_id, period_label=state.last_closed_period_label)
           or BillEmailRun.objects.get(tenant=tenant, period_id=state.last_closed_period_id))
    if run.state != BillEmailRun.State.DONE:
        work_on_run(run_id=run.pk, force=True)
    return f"    Email Bills of {run.period_label}: sent to the paperless accounts"


def seed_campaign(*, tenant: Tenant, clerk) -> str:
    """A newsletter to every Utility Billing user, sent once, with the posted newsletter attached."""
    from communications.campaigns import services
    from communications.campaigns.models import Campaign
    from communications.campaigns.queuing import queue_all
    from communications.selectors import current_communications

    if tenant.campaigns.filter(subject=CAMPAIGN_SUBJECT).exists():
        return ""
    newsletter = current_communications(tenant=tenant).first()
    draft = services.Draft(subject=CAMPAIGN_SUBJECT, body=CAMPAIGN_BODY, audience=Campaign.Audience.BILLING,
                           attachment=services.COMMUNICATION if newsletter else services.NO_ATTACHMENT,
                           communication=newsletter)
    campaign = services.save_draft(tenant=tenant, draft=draft, acting_user=clerk)
    count = services.send_campaign(campaign=campaign, acting_user=clerk)
    campaign.refresh_from_db()
    queue_all(campaign_id=campaign.pk, chain=campaign.chain)  # here, as its worker would
    return f"    Campaign \"{CAMPAIGN_SUBJECT}\" sent to {count} people"


def deliver_and_finish(*, tenant: Tenant) -> dict[str, int]:
    """Deliver what the seed queued now (as the worker would), then mark finished campaigns sent."""
    from communications.campaigns.selectors import follow_campaign
    from communications.outbox.delivery import deliver_due

    counts = deliver_due(tenant=tenant)
    for campaign in tenant.campaigns.filter(subject=CAMPAIGN_SUBJECT):
        follow_campaign(campaign=campaign)
    return counts
