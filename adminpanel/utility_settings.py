"""Utility Billing's own portal settings (Utility Admin - General): the Home Screen Message.

portal.portal_settings.update_portal_settings does not take utility_home_message yet, so the one
write lives here, under portal's own rules for a message (plain text, at most 2,000 characters).
When portal's function takes the field, set_home_message becomes a call to it.
"""

from __future__ import annotations

from django.db import transaction

from portal.models import PortalSettings, Tenant
from portal.portal_settings import MESSAGE_MAX, PortalSettingsRefused, check_message

__all__ = ["MESSAGE_MAX", "PortalSettingsRefused", "home_message_for_edit", "set_home_message"]


def home_message_for_edit(*, tenant: Tenant) -> str:
    """The saved Home Screen Message, read fresh (the request's tenant is a shared cached copy)."""
    return PortalSettings.objects.filter(tenant=tenant).values_list("utility_home_message", flat=True).first() or ""


@transaction.atomic
def set_home_message(*, tenant: Tenant, message: str, acting_user) -> str:
    """Save the message shown at the top of Utility Billing home; PortalSettingsRefused names what is wrong."""
    message = message.replace("\r\n", "\n").strip()
    try:
        check_message(message)
    except PortalSettingsRefused as refused:
        raise PortalSettingsRefused(refused.message, field="utility_home_message") from None
    settings, _created = PortalSettings.objects.select_for_update().get_or_create(tenant=tenant)
    if settings.utility_home_message != message:
        settings.utility_home_message = message
        settings.save(update_fields=["utility_home_message"])  # its post_save forgets the cached tenants
    tenant.portal_settings = settings
    return message
