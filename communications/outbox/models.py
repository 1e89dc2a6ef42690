"""The outbox's rows: one per (message, recipient), and the files attached to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant
from portal.storage import private_storage


def attachment_upload_to(instance: EmailAttachment, filename: str) -> str:
    return f"outbox/{instance.tenant.slug}/{uuid.uuid4().hex}"


class EmailAttachment(models.Model):
    """A file sent with one or many emails (a bill PDF, a campaign's PDF), stored once in private storage."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to=attachment_upload_to, storage=private_storage, max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "sha256", "filename"], name="email_attachment_unique")]

    def __str__(self) -> str:
        return self.filename


class OutboundEmail(models.Model):
    """One email to one address: queued with the change that caused it, then sent once by a worker."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        SUPPRESSED = "suppressed", _("Not sent: unsubscribed")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40)
    category = models.CharField(max_length=20)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Unique in the city: what makes queueing the same message twice impossible (receipt:<payment>, event:…).
    key = models.CharField(max_length=255)
    # Groups rows for progress and counts: campaign:<id>, event:<id>:<date>, bills:<period>.
    source = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    account_number = models.CharField(max_length=40, blank=True)
    attachment = models.ForeignKey(EmailAttachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=200)
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="outbound_email_key_unique")]
        indexes = [models.Index(fields=["tenant", "-queued_at", "-id"], name="outbound_email_recent"),
                   models.Index(fields=["tenant", "state", "next_attempt_at"], name="outbound_email_due"),
                   models.Index(fields=["tenant", "source", "state"], name="outbound_email_source"),
                   models.Index(fields=["tenant", "to"], name="outbound_email_to"),
                   models.Index(fields=["tenant", "message_id"], name="outbound_email_message_id")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to} ({self.state})"
