"""Mass email (the guide's Create Communications): one campaign, its audience, and where queuing has got to.

A campaign's messages are rows of the outbox (source "campaign:<id>", one per recipient, key
"campaign:<id>:<user id>"); its texts are rows of communications.texts. What was sent, failed or
was suppressed is counted from those rows, never stored twice here.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communications.models import Communication
from portal.models import Tenant
from portal.storage import private_storage


def campaign_pdf_upload_to(instance: Campaign, filename: str) -> str:
    return f"campaigns/{instance.tenant.slug}/{uuid.uuid4().hex}.pdf"


class Campaign(models.Model):
    """One mass email written by the office, and (optionally) the same news by text."""

    class Audience(models.TextChoices):
        ALL = "all", _("All portal users")
        BILLING = "billing", _("All Utility Billing users (portal users with a linked account)")
        CHOSEN = "chosen", _("Chosen people")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUING = "queuing", _("Queuing")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="campaigns")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))  # sanitized HTML (communications.rich_text)
    communication = models.ForeignKey(Communication, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    # An uploaded PDF (checked like Utility Communications' uploads), in private storage.
    pdf = models.FileField(upload_to=campaign_pdf_upload_to, storage=private_storage, max_length=255, blank=True)
    pdf_filename = models.CharField(max_length=255, blank=True)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.ALL)
    chosen = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    also_by_text = models.BooleanField(default=False)
    text_body = models.CharField(max_length=480, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    send_started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many people the audience had when Send was pressed (the progress bar's 100 %).
    recipient_count = models.PositiveIntegerField(default=0)
    # Queuing goes by user id: every recipient with an id up to this one is queued (a re-run starts after it).
    queued_through = models.BigIntegerField(default=0)
    # The one chain of queuing tasks allowed to advance it (a resumed campaign gets a new one), and when
    # it last did: a campaign queuing with no progress for a while is resumed by the sweep.
    chain = models.CharField(max_length=32, blank=True)
    touched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Beat's resume sweep reads the few campaigns queuing across cities: a small table, no index of its own.
        indexes = [models.Index(fields=["tenant", "-created_at"], name="campaign_tenant_recent")]

    def __str__(self) -> str:
        return self.subject

    @property
    def source(self) -> str:
        """What the outbox's rows of this campaign are grouped by."""
        return f"campaign:{self.pk}"

    def key_for(self, user_id: int) -> str:
        return f"campaign:{self.pk}:{user_id}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.SENT, self.State.CANCELLED)
