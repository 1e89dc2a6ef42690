from django.conf import settings
from django.db import models

from portal.models import Tenant

from .errors import KEY_REFUSED


class CowsLink(models.Model):
    """The health of one city's link to its Caselle web service, as the bridge last saw it."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="cows_link")
    is_down = models.BooleanField(default=False)
    down_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    alerts_sent = models.PositiveIntegerField(default=0)
    consecutive_failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"COWS link of {self.tenant.slug}: {'down' if self.is_down else 'up'}"

    @property
    def last_checked_at(self):
        """When a call last told the bridge how the link is (its last success or failure), or None."""
        seen = [t for t in (self.last_success_at, self.last_failure_at) if t is not None]
        return max(seen) if seen else None

    @property
    def key_refused(self) -> bool:
        """Down because COWS refused the portal's key (not because it is not running)."""
        return self.is_down and self.last_error.startswith(KEY_REFUSED)


class CowsOutage(models.Model):
    """One time a city's COWS link was down: when it went down, when it came back, the last error seen."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="cows_outages")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)  # None while it is still down
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "-started_at"], name="cows_outage_tenant_started")]
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"COWS outage of {self.tenant.slug} from {self.started_at:%Y-%m-%d %H:%M}"


class CowsAlertSettings(models.Model):
    """Who gets the "COWS is not running" email: every office admin of the city (the default) or the chosen ones,
    and any extra addresses (IT, say)."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="cows_alert_settings")
    all_admins = models.BooleanField(default=True)
    extra_emails = models.TextField(blank=True, default="")  # one address a line

    def __str__(self) -> str:
        return f"COWS alert recipients of {self.tenant.slug}"


class CowsAlertRecipient(models.Model):
    """An office admin chosen to get the COWS alert when not every admin does."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="cows_alert_recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="cows_alert_recipient_unique")]

    def __str__(self) -> str:
        return f"COWS alert of {self.tenant.slug} to user {self.user_id}"
