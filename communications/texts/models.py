"""Text messages waiting to go out or gone: one row per (source, recipient), sent once by a worker."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import Tenant


class OutboundText(models.Model):
    """One text to one phone; `key` makes queuing it twice impossible (e.g. "campaign:<id>:<user id>")."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="outbound_texts")
    to = models.CharField(max_length=20)  # E.164
    body = models.TextField()
    key = models.CharField(max_length=200)
    source = models.CharField(max_length=100, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="outbound_text_key")]
        indexes = [models.Index(fields=["tenant", "source", "state"], name="outbound_text_source"),
                   models.Index(fields=["tenant", "state", "id"], name="outbound_text_waiting")]

    def __str__(self) -> str:
        return f"text to {self.to} ({self.state})"
