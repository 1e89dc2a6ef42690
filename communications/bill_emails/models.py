"""Email Bills runs: one per (city, closed period), and what became of each paperless account in it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant


class BillEmailRun(models.Model):
    """Emailing one closed period's bills to one city's paperless accounts.

    Work that happens later: `due_at` says when a sweep should pick it up next (None once done), and a worker
    holds it only while `claimed_until` is ahead (runs.claim_run). `cursor` is the last account walked, so a
    worker that dies mid-walk leaves the rest to the next one, from there.
    """

    class State(models.TextChoices):
        WALKING = "walking", _("Sending")
        WAITING = "waiting", _("Waiting for bill PDFs")
        DONE = "done", _("Done")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="bill_email_runs")
    period_id = models.IntegerField()
    period_label = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WALKING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    cursor = models.CharField(max_length=20, blank=True)  # the last account key walked, in key order
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "period_id"], name="bill_email_run_once")]
        # The sweep reads every city's few due runs; the table holds one row per city and period.
        indexes = [models.Index(fields=["tenant", "due_at"], condition=Q(due_at__isnull=False),
                                name="bill_email_run_due_at"),
                   models.Index(fields=["tenant", "-started_at"], name="bill_email_run_recent")]

    def __str__(self) -> str:
        return f"Email Bills {self.period_label} at {self.tenant.slug}"

    @property
    def source(self) -> str:
        """What the outbox's rows of this run are grouped by (the email log's filter too)."""
        return f"bills:{self.period_id}"


class BillEmailAccount(models.Model):
    """One paperless account of a run: its bill queued, waiting for the PDF, or why nothing was sent."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        WAITING_PDF = "waiting_pdf", _("Waiting for the bill PDF")
        GAVE_UP = "gave_up", _("No bill PDF came")
        NO_BILL = "no_bill", _("No bill this period")
        NO_ADDRESS = "no_address", _("No email address")
        PAPER = "paper", _("Back on paper statements")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(BillEmailRun, on_delete=models.CASCADE, related_name="accounts")
    account_key = models.CharField(max_length=20)
    customer_number = models.CharField(max_length=24)
    bill_id = models.CharField(max_length=40, blank=True)
    state = models.CharField(max_length=12, choices=State.choices)
    pdf_tries = models.PositiveSmallIntegerField(default=0)
    recipients = models.PositiveSmallIntegerField(default=0)  # addresses the bill was queued to (opted out included)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "run", "account_key"],
                                               name="bill_email_account_once")]
        indexes = [models.Index(fields=["tenant", "run", "state"], name="bill_email_account_state")]

    def __str__(self) -> str:
        return f"{self.customer_number} in {self.run_id}: {self.state}"
