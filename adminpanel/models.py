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
                   models.Index(fields=["tenant", "action", "-at"], name="audit_tenant_action")]
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The audit log is append-only.")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"


class StaffInvitation(models.Model):
    """An office admin's invitation for another person to become an office admin of the city.

    The email carries a one-time link; only its hash is kept. It is accepted (once) by a person signed in
    with that verified address before `expires_at`, or cancelled; a newer invitation to the same address
    cancels the older one. Written by customers/staff.py.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64)  # sha256 of the link's token, hex
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "token_hash"], name="staff_invitation_token")]
        indexes = [models.Index(fields=["tenant", "email"], name="staff_invitation_email")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.tenant.slug}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > timezone.now()
