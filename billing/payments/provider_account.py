"""The provider account a payment started on: its own module to keep models.py short."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.encryption import SecretField
from portal.models import Tenant


class ProviderAccount(models.Model):
    """The provider and keys a payment started on, kept so every later call on it uses the same ones.

    One row per city per distinct set of keys (the fingerprint, which is no secret): switching keys
    makes a new row, and the old one stays for the payments that began there.

    A city may have more than one account at its provider, as the guide's Deposit Reconciliation
    ("General, Utility") assumes: the General one comes from the city's payment settings and takes
    every checkout; a Utility one (added with `add_utility_account`, its name in its fingerprint)
    takes the checkouts made only of utility bills while the city stays on that provider. Each
    account's money arrives in the bank as its own deposits. The office adds, changes and removes the
    Utility account on Payment Providers (billing/payments/utility_account.py); removing it sets
    `retired_at`, and the row stays.
    """

    class Purpose(models.TextChoices):
        GENERAL = "general", _("General")
        UTILITY = "utility", _("Utility bills")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="provider_accounts")
    provider = models.CharField(max_length=20)
    publishable_key = models.CharField(max_length=200, blank=True)
    secret_key = SecretField(max_length=200, blank=True)
    webhook_secret = SecretField(max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64)
    name = models.CharField(max_length=40, blank=True)  # as the office calls it: "General", "Utility"
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.GENERAL)
    created_at = models.DateTimeField(default=timezone.now)
    # A Utility account the office removed: never deleted (its payments keep it, its deposits still need reconciling).
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "fingerprint"], name="provider_account_unique"),
            # One Utility account in use per city and provider (two admins adding at once cannot make two).
            models.UniqueConstraint(fields=["tenant", "provider"], name="provider_account_one_utility",
                                    condition=models.Q(purpose="utility", retired_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.publishable_key or ''} ({self.fingerprint[:8]})".replace("  ", " ")

    @property
    def label(self) -> str:
        """The account as the office names it: its name, else its purpose and provider."""
        provider = {"sandbox": _("Sandbox"), "stripe": _("Stripe")}.get(self.provider, self.provider)
        label = f"{self.name or self.get_purpose_display()} ({provider})"
        return f"{label} {_('(retired)')}" if self.retired_at else label

    @property
    def merchant(self) -> str:
        """Which of the city's merchant accounts at the processor this is ("" for the General one)."""
        return "" if self.purpose == self.Purpose.GENERAL else f"{self.purpose}-{self.pk}"
