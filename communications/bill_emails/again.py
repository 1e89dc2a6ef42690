"""Send again: a run's failed bill emails queued once more, each as a copy of the message with its own key.

The copy's key is the failed row's key + ":again", so a second click (or two clerks at once) queues nothing
more, and a copy that fails too can be sent again in turn. A failed row that has its copy is "superseded":
the screen counts the copy instead. The copy is the message as it was rendered (footer and unsubscribe link
included); an address that unsubscribed since is recorded as not sent.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from communications.outbox.models import OutboundEmail
from communications.outbox.queueing import message_id
from communications.outbox.tasks import enqueue_delivery
from customers.models import User
from customers.notifications import Category, opted_out
from portal.models import Tenant

from .models import BillEmailRun

logger = logging.getLogger(__name__)

AGAIN = ":again"
FAILED = (OutboundEmail.State.FAILED, OutboundEmail.State.BOUNCED)


def superseded() -> Exists:
    """True for a row that was sent again (its copy exists)."""
    return Exists(OutboundEmail.objects.filter(tenant=OuterRef("tenant"), key=Concat(OuterRef("key"), Value(AGAIN))))


def failed_emails(*, tenant: Tenant, run: BillEmailRun) -> QuerySet[OutboundEmail]:
    """The run's emails that failed or bounced and were not sent again yet."""
    return OutboundEmail.objects.filter(tenant=tenant, source=run.source, state__in=FAILED).filter(~superseded())


@transaction.atomic
def send_failed_again(*, tenant: Tenant, run: BillEmailRun, acting_user: User) -> int:
    """Queue a copy of each failed email of the run (once); returns how many will be sent."""
    rows = list(failed_emails(tenant=tenant, run=run).order_by("id"))
    refused = opted_out(tenant=tenant, addresses=[r.to for r in rows], category=Category.BILLS)
    now = timezone.now()
    copies = [OutboundEmail(
        tenant=tenant, kind=r.kind, category=r.category, to=r.to, subject=r.subject, text=r.text, html=r.html,
        headers=r.headers, key=r.key + AGAIN, source=r.source, user_id=r.user_id, account_number=r.account_number,
        attachment_id=r.attachment_id, message_id=message_id(tenant), queued_at=now,
        state=OutboundEmail.State.SUPPRESSED if r.to.lower() in refused else OutboundEmail.State.QUEUED)
        for r in rows if len(r.key + AGAIN) <= 255]
    OutboundEmail.objects.bulk_create(copies, ignore_conflicts=True)
    queued = OutboundEmail.objects.filter(tenant=tenant, key__in=[c.key for c in copies], queued_at=now,
                                          state=OutboundEmail.State.QUEUED).count()
    if queued:
        transaction.on_commit(lambda: enqueue_delivery(tenant_id=tenant.pk))
    logger.info("failed bill emails sent again", extra={"period": run.period_label, "queued": queued,
                                                         "acting_user_id": acting_user.id})
    return queued
