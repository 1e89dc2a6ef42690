"""Communications: PDFs the office posts for its customers (rates, newsletters, fliers)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant
from portal.storage import private_storage


def communication_upload_to(instance: Communication, filename: str) -> str:
    # A random name: the uploaded name is kept in original_filename, never trusted as a path.
    return f"communications/{instance.tenant.slug}/{uuid.uuid4().hex}.pdf"


class Communication(models.Model):
    """One PDF posted by the office, shown to customers until its expiry date."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="communications")
    description = models.CharField(_("description"), max_length=200,
                                   help_text=_("What customers see in the list of communications."))
    # Private storage: served only by communication_pdf, which checks the city and the expiry date.
    file = models.FileField(upload_to=communication_upload_to, storage=private_storage, max_length=255)
    original_filename = models.CharField(max_length=255)
    posted_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(_("expires on"), null=True, blank=True,
                                  help_text=_("Hidden from customers from this date on (in the city's time "
                                              "zone). Leave empty to keep it."))
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        indexes = [models.Index(fields=["tenant", "-posted_at"], name="communication_tenant_posted")]

    def __str__(self) -> str:
        return self.description


class EmailTemplate(models.Model):
    """The office's own subject and body for one kind of automatic email (the defaults are in
    communications/templates_registry.py; a kind with no row uses them)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="email_templates")
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="email_template_unique")]
