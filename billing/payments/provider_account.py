"""The provider account a payment started on: its own module to keep models.py short."""

from django.db import models
from django.utils import timezone

from portal.encryption import SecretField
from portal.models import Tenant


class ProviderAccount(models.Model):
    """The provider and keys a payment started on, kept so every later call on it uses the same ones.

    One row per city per distinct set of keys (the fingerprint, which is no secret): switching keys
    makes a new row, and the old one stays for the payments that began there.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="provider_accounts")
    provider = models.CharField(max_length=20)
    publishable_key = models.CharField(max_length=200, blank=True)
    secret_key = SecretField(max_length=200, blank=True)
    webhook_secret = SecretField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "fingerprint"], name="provider_account_unique")]

    def __str__(self) -> str:
        return f"{self.provider} {self.publishable_key or ''} ({self.fingerprint[:8]})".replace("  ", " ")
