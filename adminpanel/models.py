"""The audit log: every write an office admin makes, with who, when and what changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import Tenant


class AppendOnly(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("The audit log is append-only.")

    def delete(self):
        raise AppendOnly("The audit log is append-only.")


class AuditEntry(models.Model):
    """One admin write at one city. Rows are only ever added (see AuditQuerySet and save/delete)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_entries")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_email = models.CharField(max_length=254, blank=True)  # kept when the person is later deleted
    action = models.CharField(max_length=60)  # e.g. "settings.portal", "portal_user.unlink"
    summary = models.CharField(max_length=300)
    target = models.CharField(max_length=200, blank=True)  # what it was done to, in the office's words
    # {field: [before, after]} for settings; secrets appear as "(changed)" / "(removed)", never their value.
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["tenant", "-at"], name="audit_tenant_at"),
                   models.Index(fields=["tenant", "action", "-at"], name="audit_tenant_action"),
                   models.Index(fields=["tenant", "actor_email"], name="audit_tenant_actor")]  # the Person filter
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The audit log is append-only.")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"
