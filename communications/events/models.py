"""Email Events and their runs: one row per event of a city, one run per (event, city day).

A run is the day's firing of an event: made by the beat sweep with its due time (the event's time of
day in the city's zone, converted to UTC), claimed atomically by one worker, and done once; the
database refuses a second run of an event on the same day. Each reminder it queues has its own
outbox key (event, account, due date), so a run repeated after a crash queues nothing twice.
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant


class EmailEvent(models.Model):
    """One of the city's scheduled emails: when it goes out, how many days from the due date, on or off."""

    class Kind(models.TextChoices):
        PAYMENT_DUE = "payment_due", _("Payment Due")
        PAST_DUE = "past_due", _("Past Due")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="email_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    send_at = models.TimeField(default=time(6, 0))  # the city's wall-clock time
    days = models.PositiveSmallIntegerField(default=0)  # before (Payment Due) or after (Past Due) the due date
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)  # weekly events only: 0 Monday … 6 Sunday
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey("customers.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="email_event_once_per_city")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.tenant.slug}"


class EventRun(models.Model):
    """One day's firing of an event: due at a time, claimed by one worker, done with how many it queued."""

    class State(models.TextChoices):
        DUE = "due", _("Due")
        CLAIMED = "claimed", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="email_event_runs")
    event = models.ForeignKey(EmailEvent, on_delete=models.CASCADE, related_name="runs")
    run_date = models.DateField()  # the city's day
    due_at = models.DateTimeField()  # aware, UTC: the event's time on run_date in the city's zone
    state = models.CharField(max_length=10, choices=State.choices, default=State.DUE)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    accounts = models.PositiveIntegerField(default=0)  # accounts selected
    sent = models.PositiveIntegerField(default=0)  # emails queued to send (opted-out addresses not counted)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "event", "run_date"], name="email_event_run_once")]
        indexes = [models.Index(fields=["tenant", "state", "due_at"], name="email_event_run_due")]
        ordering = ["-run_date", "-id"]

    def __str__(self) -> str:
        return f"{self.event} on {self.run_date} ({self.state})"
