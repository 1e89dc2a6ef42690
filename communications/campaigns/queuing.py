"""Queuing a campaign's messages, a chunk at a time, into the outbox (and its texts into communications.texts).

Each chunk is one transaction: the next `CHUNK` recipients by user id after the campaign's cursor are
rendered, handed to the outbox's bulk `queue_messages` (key "campaign:<id>:<user id>"), and the cursor
moves to the last of them, all committed together. A worker killed mid-chunk loses the whole chunk's
transaction, so the next run starts from the same cursor; the keys make a second row for anyone
impossible anyway. Chunks are taken one at a time (the campaign's row is locked for the chunk), and only
the campaign's current chain asks for the next one (a campaign resumed by the sweep has a new chain).
"""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.outbox import Outgoing, attach_file, queue_messages
from customers.models import User
from customers.notifications import Category, text_recipients

from . import compose
from .audience import campaign_users, sample_values, with_holder_names
from .models import Campaign

logger = logging.getLogger(__name__)

CHUNK = 2000
KIND = "campaign"
TEST_KIND = "campaign_test"
PDF = "application/pdf"


def campaign_attachment(*, campaign: Campaign):
    """The outbox's stored copy of the campaign's PDF (a Utility Communication or the upload), or None."""
    if campaign.communication_id and campaign.communication.file:
        source, filename = campaign.communication.file, campaign.communication.original_filename
    elif campaign.pdf:
        source, filename = campaign.pdf, campaign.pdf_filename or "attachment.pdf"
    else:
        return None
    with source.open("rb") as handle:
        data = handle.read()
    return attach_file(tenant=campaign.tenant, filename=filename, content_type=PDF, data=data)


def _messages(campaign: Campaign, compiled: compose.CompiledMessage, people: list[tuple]):
    for pk, email, first_name, last_name, holder_first, holder_last in people:
        rendered = compiled.render(compose.person_values(first_name=first_name, last_name=last_name, email=email,
                                                         holder_first=holder_first, holder_last=holder_last))
        yield Outgoing(to=email, subject=rendered.subject, text=rendered.text, html=rendered.html,
                       key=campaign.key_for(pk), user_id=pk)


def _queue_texts(campaign: Campaign, compiled: compose.CompiledMessage, people: list[tuple]) -> int:
    from communications.texts.backends import texts_enabled
    from communications.texts.services import Text, queue_texts

    if not (campaign.also_by_text and texts_enabled()):
        return 0
    with_phone = list(User.objects.filter(pk__in=[p[0] for p in people]).exclude(phone="")
                      .only("pk", "email", "first_name", "last_name", "phone").order_by("pk"))
    chosen = text_recipients(tenant=campaign.tenant, users=with_phone, category=Category.NEWSLETTERS)
    holders = {p[0]: p[4:] for p in people}
    texts = [Text(to=phone, key=campaign.key_for(person.pk), user_id=person.pk,
                  body=compiled.render_text(compose.person_values(
                      first_name=person.first_name, last_name=person.last_name, email=person.email,
                      holder_first=holders[person.pk][0], holder_last=holders[person.pk][1])))
             for person, phone in chosen]
    return queue_texts(tenant=campaign.tenant, texts=texts, source=campaign.source)


def queue_chunk(*, campaign_id: int, chain: str, size: int = CHUNK) -> bool:
    """Queue the next chunk of a campaign's messages; True when there may be more and this chain goes on."""
    with transaction.atomic():
        campaign = (Campaign.objects.select_for_update(of=("self",)).select_related("tenant", "communication")
                    .filter(pk=campaign_id).first())
        if campaign is None or campaign.state != Campaign.State.QUEUING:
            return False
        people = list(with_holder_names(campaign_users(campaign=campaign).filter(pk__gt=campaign.queued_through),
                                        tenant=campaign.tenant)
                      .values_list("pk", "email", "first_name", "last_name", "holder_first", "holder_last")[:size])
        if not people:
            campaign.state, campaign.touched_at = Campaign.State.SENDING, timezone.now()
            campaign.save(update_fields=["state", "touched_at"])
            logger.info("campaign queued", extra={"campaign_id": campaign.pk})
            return False
        compiled = compose.compile_message(tenant=campaign.tenant, subject=campaign.subject, body=campaign.body,
                                           text_body=campaign.text_body)
        queue_messages(tenant=campaign.tenant, kind=KIND, category=Category.NEWSLETTERS,
                       messages=_messages(campaign, compiled, people), attachment=campaign_attachment(campaign=campaign),
                       source=campaign.source)
        _queue_texts(campaign, compiled, people)
        campaign.queued_through, campaign.touched_at = people[-1][0], timezone.now()
        campaign.save(update_fields=["queued_through", "touched_at"])
    # A task of a chain the sweep replaced (it waited long in the queue) still did its chunk, but only the
    # current chain goes on: one task at a time asks for the next.
    return campaign.chain == chain


def queue_all(*, campaign_id: int, chain: str, size: int = CHUNK) -> None:
    """Every chunk, one after the other, in this process (for the bench and the shell; workers do one a task)."""
    while queue_chunk(campaign_id=campaign_id, chain=chain, size=size):
        pass


def send_test(*, campaign: Campaign, acting_user: User) -> compose.Rendered:
    """The campaign as its sample recipient would receive it, "[Test] …", to the clerk only (kind "campaign_test")."""
    compiled = compose.compile_message(tenant=campaign.tenant, subject=campaign.subject, body=campaign.body)
    shown = compiled.render(sample_values(campaign=campaign)[0])
    rendered = compose.Rendered(subject=(_("[Test]") + " " + shown.subject)[:compose.SUBJECT_LIMIT],
                                text=shown.text, html=shown.html)
    with transaction.atomic():
        # Source "test", like the email editor's tests: the Email log tells them from the campaign's own rows.
        queue_messages(tenant=campaign.tenant, kind=TEST_KIND, category=Category.TRANSACTIONAL, source="test",
                       attachment=campaign_attachment(campaign=campaign),
                       messages=[Outgoing(to=acting_user.email, subject=rendered.subject, text=rendered.text,
                                          html=rendered.html, key=f"campaign-test:{campaign.pk}:{uuid.uuid4().hex}",
                                          user_id=acting_user.pk)])
    return rendered
