"""Writes of campaigns: saving a draft, a test to the clerk, Send, Cancel, and noticing the end.

Send commits the campaign as queuing and asks for ONE task (communications.campaigns.queuing does the
chunks). Errors are ValidationErrors keyed by field, like communications.services'; nothing is saved
when any field is refused.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.models import Communication
from communications.selectors import current_communications
from communications.services import _check_pdf, _clean_filename  # the Utility Communications upload's checks
from customers.models import User
from portal.models import Tenant

from . import compose
from .audience import campaign_users, chosen_members
from .models import Campaign

logger = logging.getLogger(__name__)

NO_ATTACHMENT, COMMUNICATION, UPLOAD = "none", "communication", "upload"


@dataclass(frozen=True)
class Draft:
    """What the compose screen sends: the words, the attachment choice and the audience."""

    subject: str
    body: str
    audience: str
    chosen_ids: tuple[int, ...] = ()
    attachment: str = NO_ATTACHMENT
    communication: Communication | None = None
    pdf: File | None = None
    also_by_text: bool = False
    text_body: str = ""


def _checked(tenant: Tenant, draft: Draft, campaign: Campaign | None) -> dict:
    errors: dict[str, ValidationError] = {}
    values: dict = {}
    for name, check in (("subject", compose.clean_subject), ("body", compose.clean_body)):
        try:
            values[name] = check(getattr(draft, name))
        except ValidationError as refused:
            errors[name] = refused
    if draft.audience not in Campaign.Audience.values:
        errors["audience"] = ValidationError(_("Choose who receives it."), code="required")
    values["chosen"] = chosen_members(tenant=tenant, user_ids=draft.chosen_ids)
    if draft.audience == Campaign.Audience.CHOSEN and not values["chosen"]:
        errors["chosen"] = ValidationError(_("Search for and tick at least one person, or choose another audience."),
                                           code="required")
    if draft.attachment == COMMUNICATION:
        if draft.communication is None or not current_communications(tenant=tenant).filter(
                pk=draft.communication.pk).exists():
            errors["communication"] = ValidationError(_("Choose one of the current communications."), code="required")
    elif draft.attachment == UPLOAD:
        if draft.pdf is not None:
            try:
                _check_pdf(draft.pdf)
            except ValidationError as refused:
                errors["pdf"] = ValidationError(refused.error_dict["file"])
        elif campaign is None or not campaign.pdf:
            errors["pdf"] = ValidationError(_("Choose a PDF file to attach."), code="required")
    if draft.also_by_text:
        try:
            values["text_body"] = compose.clean_text_body(draft.text_body)
        except ValidationError as refused:
            errors["text_body"] = refused
    if errors:
        raise ValidationError(errors)
    return values


def save_draft(*, tenant: Tenant, draft: Draft, acting_user: User, campaign: Campaign | None = None) -> Campaign:
    """Create or change a draft campaign; ValidationError keyed by field (and nothing saved) when refused."""
    if campaign is not None and campaign.state != Campaign.State.DRAFT:
        raise ValidationError(_("This campaign was sent already; it can no longer be changed."), code="sent")
    values = _checked(tenant, draft, campaign)
    campaign = campaign or Campaign(tenant=tenant, created_by=acting_user)
    campaign.subject, campaign.body, campaign.audience = values["subject"], values["body"], draft.audience
    campaign.also_by_text = draft.also_by_text
    campaign.text_body = values.get("text_body", campaign.text_body if not draft.also_by_text else "")
    campaign.communication = draft.communication if draft.attachment == COMMUNICATION else None
    old_pdf = campaign.pdf.name if campaign.pdf else ""
    if draft.attachment == UPLOAD and draft.pdf is not None:
        campaign.pdf.save("upload.pdf", draft.pdf, save=False)
        campaign.pdf_filename = _clean_filename(draft.pdf.name)
    elif draft.attachment != UPLOAD:
        campaign.pdf, campaign.pdf_filename = None, ""
    new_pdf = campaign.pdf.name if campaign.pdf else ""
    try:
        with transaction.atomic():
            campaign.save()
            campaign.chosen.set(values["chosen"] if draft.audience == Campaign.Audience.CHOSEN else [])
    except Exception:
        if new_pdf and new_pdf != old_pdf:
            campaign.pdf.storage.delete(new_pdf)
        raise
    if old_pdf and old_pdf != new_pdf:
        transaction.on_commit(lambda: campaign.pdf.storage.delete(old_pdf))
    return campaign


def recipient_count(*, campaign: Campaign) -> int:
    """How many people the campaign would reach now."""
    return campaign_users(campaign=campaign).count()


def send_campaign(*, campaign: Campaign, acting_user: User) -> int:
    """Send: the campaign becomes queuing (once) and one task starts queuing its messages; returns the recipients."""
    with transaction.atomic():
        count = recipient_count(campaign=campaign)
        if not count:
            raise ValidationError(_("Nobody would receive this campaign: choose another audience."), code="empty")
        chain = uuid.uuid4().hex
        now = timezone.now()
        started = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.DRAFT).update(
            state=Campaign.State.QUEUING, recipient_count=count, sent_by=acting_user, send_started_at=now,
            touched_at=now, chain=chain, queued_through=0)
        if not started:
            raise ValidationError(_("This campaign was sent already."), code="sent")
        transaction.on_commit(lambda: _start(campaign.tenant_id, campaign.pk, chain))
    campaign.refresh_from_db()
    logger.info("campaign sent", extra={"campaign_id": campaign.pk, "recipients": count,
                                        "acting_user_id": acting_user.pk})
    return count


def _start(tenant_id: int, campaign_id: int, chain: str) -> None:
    from .tasks import queue_campaign

    queue_campaign.delay(tenant_id, campaign_id, chain)


def cancel_campaign(*, campaign: Campaign, acting_user: User) -> bool:
    """Stop queuing the rest (messages already queued still go out); False when it was not queuing."""
    stopped = Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.QUEUING).update(
        state=Campaign.State.CANCELLED, finished_at=timezone.now(), chain="")
    campaign.refresh_from_db()
    if stopped:
        logger.info("campaign cancelled", extra={"campaign_id": campaign.pk, "acting_user_id": acting_user.pk})
    return bool(stopped)


def delete_draft(*, campaign: Campaign) -> bool:
    """Throw away a draft (a sent campaign stays); False when it is not a draft."""
    if campaign.state != Campaign.State.DRAFT:
        return False
    pdf = campaign.pdf.name if campaign.pdf else ""
    campaign.delete()
    if pdf:
        transaction.on_commit(lambda: Campaign._meta.get_field("pdf").storage.delete(pdf))
    return True


def mark_finished(*, campaign: Campaign, pending: int) -> None:
    """A sending campaign with nothing left queued or being sent is sent."""
    if campaign.state == Campaign.State.SENDING and pending == 0:
        now = timezone.now()
        if Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.SENDING).update(
                state=Campaign.State.SENT, finished_at=now):
            campaign.state, campaign.finished_at = Campaign.State.SENT, now


STALLED_AFTER = timedelta(seconds=60)


def resume_stalled(*, stalled_after: timedelta = STALLED_AFTER) -> list[int]:
    """Campaigns queuing with no progress for a while (their worker died, its task lost): a new chain each."""
    resumed = []
    cutoff = timezone.now() - stalled_after
    for campaign in Campaign.objects.filter(state=Campaign.State.QUEUING, touched_at__lt=cutoff).order_by("pk"):
        chain = uuid.uuid4().hex
        if Campaign.objects.filter(pk=campaign.pk, state=Campaign.State.QUEUING, chain=campaign.chain).update(
                chain=chain, touched_at=timezone.now()):
            _start(campaign.tenant_id, campaign.pk, chain)
            resumed.append(campaign.pk)
    if resumed:
        logger.warning("campaigns resumed", extra={"campaign_ids": resumed})
    return resumed
