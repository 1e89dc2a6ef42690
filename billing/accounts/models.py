"""The account copy: what the portal last read from Caselle about each account (tables unchanged)."""

from decimal import Decimal

from django.db import models
from django.utils import timezone

from portal.models import Tenant


class AccountSnapshot(models.Model):
    """The last account summary read from COWS, with when it was read.

    Pages show it straight away while it is fresh, and with its time and a notice when COWS
    cannot be reached.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="account_snapshots")
    account_key = models.CharField(max_length=20)
    data = models.JSONField()
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account_key"], name="account_snapshot_unique")]


class LandlordSnapshot(models.Model):
    """The accounts Caselle last listed for a landlord or cosigner."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="landlord_snapshots")
    landlord_id = models.PositiveIntegerField()
    name = models.CharField(max_length=200, blank=True)
    customer_numbers = models.JSONField(default=list)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "landlord_id"], name="landlord_snapshot_unique")]


MONEY = {"max_digits": 12, "decimal_places": 2}


class HistorySync(models.Model):
    """When the portal last copied an account's bills, transactions and usage from COWS."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="history_syncs")
    account_key = models.CharField(max_length=20)
    synced_at = models.DateTimeField(null=True, blank=True)
    last_period_id = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account_key"], name="history_sync_unique")]


class Bill(models.Model):
    """A final bill of a closed period, as Caselle has it."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="bills")
    account_key = models.CharField(max_length=20)
    bill_id = models.CharField(max_length=40)
    period_id = models.IntegerField()
    period_label = models.CharField(max_length=20)
    bill_date = models.DateField()
    due_date = models.DateField(null=True)
    previous_balance = models.DecimalField(**MONEY)
    payments = models.DecimalField(**MONEY)
    adjustments = models.DecimalField(**MONEY)
    current_charges = models.DecimalField(**MONEY)
    penalties = models.DecimalField(**MONEY)
    total_due = models.DecimalField(**MONEY)
    pdf_available = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account_key", "bill_id"], name="bill_unique")]
        indexes = [models.Index(fields=["tenant", "account_key", "-bill_date"], name="bill_recent")]


class HistoryEntry(models.Model):
    """One row of Bills and Payments: a bill or a payment (or an adjustment) with its total."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="history_entries")
    account_key = models.CharField(max_length=20)
    group_id = models.CharField(max_length=40)
    date = models.DateField()
    kind = models.CharField(max_length=20)  # Billing, Payment, Adjustment
    description = models.CharField(max_length=120)
    amount = models.DecimalField(**MONEY)
    period_id = models.IntegerField(null=True)
    bill_id = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account_key", "group_id"], name="history_entry_unique")]
        indexes = [models.Index(fields=["tenant", "account_key", "-date", "-group_id"], name="history_recent")]


class HistoryLine(models.Model):
    """A line of a bill or payment, by service: the breakdown behind an amount."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="history_lines")
    account_key = models.CharField(max_length=20)
    group_id = models.CharField(max_length=40)
    line_id = models.CharField(max_length=48)
    date = models.DateField()
    service = models.CharField(max_length=40)
    description = models.CharField(max_length=120)
    amount = models.DecimalField(**MONEY)
    usage = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    kind = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account_key", "line_id"], name="history_line_unique")]
        indexes = [models.Index(fields=["tenant", "account_key", "group_id"], name="history_line_group")]


class UsageRead(models.Model):
    """A meter read of a metered service for one period, with its usage, as Caselle computed it."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="usage_reads")
    account_key = models.CharField(max_length=20)
    service = models.CharField(max_length=40)
    period_id = models.IntegerField()
    period_label = models.CharField(max_length=20)
    read_date = models.DateField()
    previous_read = models.DecimalField(max_digits=14, decimal_places=2)
    current_read = models.DecimalField(max_digits=14, decimal_places=2)
    usage = models.DecimalField(max_digits=14, decimal_places=2)
    meter_number = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "account_key", "service", "period_id"],
                                               name="usage_read_unique")]


class PeriodState(models.Model):
    """The billing periods COWS last reported for a city; a change means a period was closed."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="period_state")
    open_period_id = models.IntegerField(null=True)
    open_period_label = models.CharField(max_length=20, blank=True)
    last_closed_period_id = models.IntegerField(null=True)
    last_closed_period_label = models.CharField(max_length=20, blank=True)
    checked_at = models.DateTimeField(null=True)
    close_seen_at = models.DateTimeField(null=True)
