"""The portal's local, tenant-scoped copy of what it reads from Caselle."""

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
