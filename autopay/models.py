"""AutoPay: enrollments with their authorization records, the office's settings, scheduled payments and runs.

A scheduled payment is one row per (account, bill): the database refuses a second live one for
the same account and period (`scheduled_payment_once`), so no click, cron, beat or race can
schedule, and so charge, a bill twice. Its idempotency key at the provider is derived from the
row (`autopay-<tenant>-<id>`), so a retried charge is the same charge.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.accounts.models import MONEY
from portal.models import Tenant

MAX_DAYS_LIMIT = 28  # the office's choice of "up to N days before the due date" cannot exceed this


class AutoPaySettings(models.Model):
    """The office's AutoPay choices (the timing limit, the charge hour, automatic scheduling, reminders)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="autopay_settings")
    max_days_before_due = models.PositiveSmallIntegerField(default=10)
    charge_hour = models.PositiveSmallIntegerField(default=6)  # city time; charges start at this hour
    schedule_on_close = models.BooleanField(default=True)  # Schedule Payments runs when the period closes
    reminder_days = models.PositiveSmallIntegerField(default=3)  # "your AutoPay will charge ... on ..."; 0: none

    def __str__(self) -> str:
        return f"AutoPay settings of {self.tenant}"


class Enrollment(models.Model):
    """One utility account on AutoPay, run by one portal user with one of their saved methods.

    At most one live enrollment per account (a landlord and a tenant cannot both run it); ending
    it keeps the row (ended_at, ended_by) for the history and the audit.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="autopay_enrollments")
    user = models.ForeignKey("customers.User", on_delete=models.PROTECT, related_name="autopay_enrollments")
    account_key = models.CharField(max_length=20)
    customer_number = models.CharField(max_length=24)
    method = models.ForeignKey("billing.PaymentMethod", on_delete=models.PROTECT, related_name="autopay_enrollments")
    days_before_due = models.PositiveSmallIntegerField()
    max_amount = models.DecimalField(**MONEY, null=True, blank=True)  # None: no maximum
    enrolled_at = models.DateTimeField(default=timezone.now)
    enrolled_by = models.ForeignKey("customers.User", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")  # a clerk who sent the invitation, else the user
    changed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey("customers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    end_reason = models.CharField(max_length=200, blank=True)
    # Card expiry notices already sent for the method in use: "<method id>:30" or "<method id>:7".
    expiry_notice = models.CharField(max_length=20, blank=True)
    # Why the last scheduling found nothing to schedule (the office's "enabled but no scheduled payment").
    waiting_reason = models.CharField(max_length=12, blank=True)

    class Waiting(models.TextChoices):
        NO_BALANCE = "no_balance", _("Enrolled with a $0 balance (or a credit): the first payment is scheduled "
                                     "when the next period closes")
        AFTER_DUE = "after_due", _("Enrolled after the due date with nothing due: the first payment is scheduled "
                                   "when the next period closes")
        PROCESSED = "processed", _("This period's payment was already processed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account_key"], condition=Q(ended_at__isnull=True),
                                               name="autopay_one_live_enrollment")]
        indexes = [models.Index(fields=["tenant", "user"], name="autopay_enrollment_user"),
                   models.Index(fields=["tenant", "-enrolled_at"], name="autopay_enrollment_recent")]

    def __str__(self) -> str:
        return f"AutoPay {self.customer_number} ({self.user})"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class Authorization(models.Model):
    """What the customer agreed to, word for word, when and from where (the record a bank debit needs)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="autopay_authorizations")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="authorizations")
    user = models.ForeignKey("customers.User", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "enrollment", "-accepted_at"], name="autopay_auth_recent")]


class Invitation(models.Model):
    """The office's "Enroll Customer" for an email address: the person sets the method and accepts themselves."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="autopay_invitations")
    account_key = models.CharField(max_length=20)
    customer_number = models.CharField(max_length=24)
    email = models.EmailField()
    token = models.CharField(max_length=64)
    days_before_due = models.PositiveSmallIntegerField()
    max_amount = models.DecimalField(**MONEY, null=True, blank=True)
    invited_by = models.ForeignKey("customers.User", on_delete=models.SET_NULL, null=True, related_name="+")
    invited_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "token"], name="autopay_invitation_token")]


class ScheduleRun(models.Model):
    """One Schedule Payments of a closed period: who ran it, when, and what it did. One per period."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="autopay_runs")
    period_id = models.IntegerField()
    period_label = models.CharField(max_length=20)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)  # COWS stopped answering part-way: free to finish
    actor = models.CharField(max_length=60)  # clerk, task:schedule_on_close, command:schedule_autopay
    actor_user = models.ForeignKey("customers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    scheduled = models.PositiveIntegerField(default=0)
    charged_now = models.PositiveIntegerField(default=0)
    no_balance = models.PositiveIntegerField(default=0)
    already = models.PositiveIntegerField(default=0)
    refused = models.JSONField(default=list)  # [{"customer_number": ..., "reason": ...}]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "period_id"], name="autopay_run_once_per_period")]

    @property
    def actor_label(self) -> str:
        return self.actor_user.email if self.actor_user_id else self.actor


class AutomaticSchedule(models.Model):
    """The automatic Schedule Payments of one closed period: made when the portal sees the close, due until it
    has run once (or found the period scheduled already), retried with back-off while Caselle cannot be reached.

    Work that happens later: a sweep claims it when `next_attempt_at` has come (autopay/after_close.py), and a
    worker holds it only while `claimed_until` is ahead, so a killed worker's claim runs out.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Nothing to do")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="autopay_automatic")
    period_id = models.IntegerField()
    period_label = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # None once it is done
    attempts = models.PositiveSmallIntegerField(default=0)
    waiting_for = models.CharField(max_length=12, blank=True)  # the last try's refusal code (scheduling.py)
    last_error = models.CharField(max_length=300, blank=True)  # the last try's refusal, as the office reads it
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    office_told_at = models.DateTimeField(null=True, blank=True)  # the office admins were emailed that it waits
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=300, blank=True)  # what it did in the end
    run = models.ForeignKey(ScheduleRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "period_id"], name="autopay_automatic_once")]
        # The sweep reads every city's few due rows (one row per city and closed period: a small table); the
        # index starts with the tenant like every other, so a deployment can distribute the table by city.
        indexes = [models.Index(fields=["tenant", "next_attempt_at"], condition=Q(next_attempt_at__isnull=False),
                                name="autopay_automatic_due")]

    def __str__(self) -> str:
        return f"Automatic Schedule Payments {self.period_label} at {self.tenant_id}: {self.state}"


class ScheduledPayment(models.Model):
    """One AutoPay payment of one bill: due on a day, then claimed, charged and posted once."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CHARGING = "charging", _("Charging")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        NOTHING_DUE = "nothing_due", _("Paid already, nothing charged")
        OVER_MAXIMUM = "over_max", _("Over the AutoPay maximum")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE = (State.PENDING, State.CHARGING, State.PAID)

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="scheduled_payments")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="scheduled_payments")
    account_key = models.CharField(max_length=20)
    customer_number = models.CharField(max_length=24)
    period_id = models.IntegerField()
    period_label = models.CharField(max_length=20)
    due_date = models.DateField(null=True)  # the bill's due date
    charge_on = models.DateField()  # the city's day it is charged (at or after the charge hour)
    amount = models.DecimalField(**MONEY)  # scheduled: the Balance Due or Equal Pay read at scheduling
    charged_amount = models.DecimalField(**MONEY, null=True, blank=True)  # the bill amount charged, fee apart
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    message = models.CharField(max_length=300, blank=True)  # the error, or why nothing was charged
    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="scheduled_payments")  # one at most (Meta), tenant first
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=60)  # who scheduled it: run, enrollment, change
    moved_by = models.CharField(max_length=60, blank=True)  # who made its last move (autopay/states.py)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live AutoPay payment per account and bill: the exactly-once rule of scheduling.
            models.UniqueConstraint(fields=["tenant", "account_key", "period_id"],
                                    condition=~Q(state="cancelled"), name="scheduled_payment_once"),
            models.UniqueConstraint(fields=["tenant", "payment"], condition=Q(payment__isnull=False),
                                    name="scheduled_payment_one_payment"),
        ]
        indexes = [models.Index(fields=["tenant", "state", "charge_on"], name="scheduled_payment_due"),
                   models.Index(fields=["tenant", "-charge_on"], name="scheduled_payment_recent"),
                   models.Index(fields=["tenant", "enrollment"], name="scheduled_payment_enrollment")]

    def __str__(self) -> str:
        return f"AutoPay {self.customer_number} {self.period_label} {self.amount} {self.state}"

    @property
    def idempotency_key(self) -> str:
        """The provider's key for this payment's charge: the same for every try of this row."""
        return f"autopay-{self.tenant_id}-{self.pk}"

    @property
    def reference(self) -> str:
        return f"AP{self.tenant_id:03d}{self.pk:09d}"

    @property
    def is_final(self) -> bool:
        return self.state not in (self.State.PENDING, self.State.CHARGING)

