"""Reads of campaigns: a campaign's progress and the list's counts, both from the outbox's and texts' rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communications.models import Communication
from communications.outbox.models import OutboundEmail
from communications.texts.models import OutboundText
from portal.models import Tenant

from . import services
from .models import Campaign

PENDING = ("queued", "sending")
DONE = ("sent", "failed", "bounced", "suppressed")
# A campaign in these states still reads its attachment (a draft when it is sent, a queuing one for each chunk).
UNSENT = (Campaign.State.DRAFT, Campaign.State.QUEUING, Campaign.State.SENDING)


def access_campaign(*, tenant: Tenant, campaign_id: int) -> Campaign:
    """The city's campaign with this id, or 404 (another city's alike)."""
    found = tenant.campaigns.select_related("communication", "created_by", "sent_by").filter(pk=campaign_id).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    sent: int
    failed: int
    suppressed: int
    texts: int
    texts_failed: int
    state: str

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.suppressed

    @property
    def finished(self) -> bool:
        return self.state in (Campaign.State.SENT, Campaign.State.CANCELLED)

    @property
    def percent(self) -> int:
        return 100 if self.finished or not self.total else min(100, self.done * 100 // self.total)


def email_counts(*, tenant: Tenant, source: str) -> dict[str, int]:
    return dict(OutboundEmail.objects.filter(tenant=tenant, source=source).values("state")
                .annotate(n=Count("id")).values_list("state", "n"))


def follow_campaign(*, campaign: Campaign) -> Progress:
    """Where a campaign is now (a sending campaign with nothing left pending becomes sent)."""
    emails = email_counts(tenant=campaign.tenant, source=campaign.source)
    texts = dict(OutboundText.objects.filter(tenant=campaign.tenant, source=campaign.source).values("state")
                 .annotate(n=Count("id")).values_list("state", "n"))
    pending = sum(emails.get(s, 0) for s in PENDING) + sum(texts.get(s, 0) for s in PENDING)
    services.mark_finished(campaign=campaign, pending=pending)
    return Progress(total=campaign.recipient_count, queued=sum(emails.values()), sent=emails.get("sent", 0),
                    failed=emails.get("failed", 0) + emails.get("bounced", 0),
                    suppressed=emails.get("suppressed", 0), texts=texts.get("sent", 0),
                    texts_failed=texts.get("failed", 0), state=campaign.state)


def follow_sending() -> int:
    """Beat: campaigns still sending whose every row is done become sent (even when nobody has their page open)."""
    finished = 0
    for campaign in Campaign.objects.filter(state=Campaign.State.SENDING).select_related("tenant").order_by("pk"):
        finished += follow_campaign(campaign=campaign).finished
    return finished


def _count(model, state=None):
    rows = model.objects.filter(tenant=OuterRef("tenant"), source=OuterRef("source_key"))
    if state:
        rows = rows.filter(state__in=state if isinstance(state, tuple) else (state,))
    return Coalesce(Subquery(rows.order_by().values("source").annotate(n=Count("id")).values("n")[:1]), Value(0))


def campaign_list(*, tenant: Tenant) -> QuerySet[Campaign]:
    """The city's campaigns, newest first, with their counts (one query for the page)."""
    source = Concat(Value("campaign:"), Cast("pk", CharField()), output_field=CharField())
    return (tenant.campaigns.select_related("created_by", "sent_by").annotate(source_key=source)
            .annotate(n_sent=_count(OutboundEmail, "sent"), n_failed=_count(OutboundEmail, ("failed", "bounced")),
                      n_suppressed=_count(OutboundEmail, "suppressed"), n_texts=_count(OutboundText, "sent"))
            .order_by("-created_at", "-pk"))


def unsent_attaching(*, communication: Communication) -> list[Campaign]:
    """The city's mass emails not sent yet (drafts, and those being sent) that attach this communication."""
    return list(communication.tenant.campaigns.filter(communication=communication, state__in=UNSENT)
                .order_by("created_at", "pk"))


def why_communication_is_held(communication: Communication) -> str:
    """Why a communication may not be deleted yet: the unsent mass emails attaching it ("" when none)."""
    held = unsent_attaching(communication=communication)
    drafts = [c.subject for c in held if c.state == Campaign.State.DRAFT]
    sending = [c.subject for c in held if c.state != Campaign.State.DRAFT]
    # Translators: what stands between two quoted subjects ("First", "Second"), closing and opening quotes.
    between = _("”, “")
    reasons = []
    if drafts:
        reasons.append(ngettext(
            "“%(description)s” is attached to the draft mass email “%(subjects)s”: delete or change that draft "
            "first, then delete this.",
            "“%(description)s” is attached to the draft mass emails “%(subjects)s”: delete or change those drafts "
            "first, then delete this.", len(drafts)) % {
            "description": communication.description, "subjects": between.join(drafts)})
    if sending:
        reasons.append(ngettext(
            "“%(description)s” is attached to the mass email “%(subjects)s”, which is being sent: delete this once "
            "it has been sent.",
            "“%(description)s” is attached to the mass emails “%(subjects)s”, which are being sent: delete this "
            "once they have been sent.", len(sending)) % {
            "description": communication.description, "subjects": between.join(sending)})
    return " ".join(reasons)
