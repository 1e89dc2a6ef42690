from django.db import models

from portal.models import Tenant


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
