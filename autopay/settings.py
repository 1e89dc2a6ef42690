"""The office's AutoPay settings: changed with their limits checked, and logged with who changed which."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Tenant

from .enrollment import AutoPayRefused, autopay_settings
from .models import MAX_DAYS_LIMIT, AutoPaySettings

logger = logging.getLogger(__name__)
FIELDS = ("max_days_before_due", "charge_hour", "schedule_on_close", "reminder_days")
REMINDER_DAYS_LIMIT = 14


def check_settings(changes: dict) -> None:
    """Each value within its limits; AutoPayRefused names the field otherwise."""
    limits = {"max_days_before_due": (MAX_DAYS_LIMIT, _("Choose from 0 to %(max)s days.")),
              "charge_hour": (23, _("Choose an hour from 0 to %(max)s.")),
              "reminder_days": (REMINDER_DAYS_LIMIT, _("Choose from 0 to %(max)s days."))}
    for name, (high, message) in limits.items():
        value = changes.get(name)
        if value is not None and not (isinstance(value, int) and 0 <= value <= high):
            raise AutoPayRefused(message % {"max": high}, field=name)


def update_autopay_settings(*, tenant: Tenant, changes: dict, acting_user) -> AutoPaySettings:
    """Save the office's AutoPay choices (charge hour 0–23, up to 28 days before the due date)."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"not AutoPay settings: {sorted(unknown)}")
    check_settings(changes)
    current = autopay_settings(tenant)
    with transaction.atomic():
        settings = AutoPaySettings.objects.select_for_update().get(pk=current.pk)
        changed = [name for name, value in changes.items() if getattr(settings, name) != value]
        for name in changed:
            setattr(settings, name, changes[name])
        if changed:
            settings.save(update_fields=changed)
    tenant.autopay_settings = settings
    logger.info("AutoPay settings changed", extra={"acting_user_id": getattr(acting_user, "id", None),
                                                   "fields": changed})
    return settings
