"""The office's payment settings: saving them, and the one rule about switching provider or keys.

A payment finishes on the provider account it started on; while any of the city's payments is
still created or processing on an account, the settings may not move away from it (the office
sees which payments to wait for).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Tenant
from portal.portal_settings import MESSAGE_MAX, PortalSettingsRefused, check_message, plain_newlines, plain_text_problem

from .models import Payment, PaymentSettings
from .providers import account_keys, fingerprint

logger = logging.getLogger(__name__)

UNFINISHED = (Payment.State.CREATED, Payment.State.PROCESSING)
# Residents read these messages as typed, with their line breaks (never as HTML); each has its own length limit.
MESSAGE_LIMITS = {"other_payments_message": MESSAGE_MAX, "payment_page_message": 4000,
                  "payment_complete_message": 4000}
NAMES = ("udf_block_card", "udf_block_ach")  # Caselle's UDF names: plain text too


class SettingsRefused(Exception):
    """The change cannot be saved now; the message says why (and which payments to wait for)."""


def unfinished_elsewhere(*, tenant: Tenant, keys: dict) -> list[str]:
    """References of the city's payments not finished on an account other than the one `keys` make."""
    return list(tenant.payments.filter(state__in=UNFINISHED).exclude(provider_account__fingerprint=fingerprint(**keys))
                .order_by("created_at", "id").values_list("reference", flat=True)[:50])


def switch_refusal(*, tenant: Tenant, keys: dict) -> str:
    """Why switching to `keys` must wait, or "" when nothing is left on the other accounts."""
    references = unfinished_elsewhere(tenant=tenant, keys=keys)
    if not references:
        return ""
    return _("Payments are still being made with the current provider or keys: %(references)s. "
             "Wait until they are finished (see Pending Payments), then switch.") % {
        "references": ", ".join(references)}


def keys_after(*, current: PaymentSettings, changes: dict) -> dict:
    """The provider and keys the settings would have with `changes` applied."""
    after = PaymentSettings(**{f.attname: getattr(current, f.attname) for f in PaymentSettings._meta.concrete_fields})
    for name, value in changes.items():
        setattr(after, name, value)
    return account_keys(after)


def check_text(changes: dict) -> None:
    """The messages and UDF names in `changes` are plain text within limits; PortalSettingsRefused names the field."""
    for name, value in changes.items():
        try:
            if name in MESSAGE_LIMITS:
                check_message(value, limit=MESSAGE_LIMITS[name])
            elif name in NAMES and plain_text_problem(value):
                raise PortalSettingsRefused(plain_text_problem(value))
        except PortalSettingsRefused as refused:
            raise PortalSettingsRefused(refused.message, field=name) from None


@transaction.atomic
def update_payment_settings(*, tenant: Tenant, changes: dict, acting_user) -> PaymentSettings:
    """Save the office's payment settings; the log names who changed which fields (never a secret's value)."""
    changes = {name: plain_newlines(value) for name, value in changes.items()}
    check_text(changes)
    settings, _created = PaymentSettings.objects.select_for_update().get_or_create(tenant=tenant)
    keys = keys_after(current=settings, changes=changes)
    if keys != account_keys(settings):
        refusal = switch_refusal(tenant=tenant, keys=keys)
        if refusal:
            raise SettingsRefused(refusal)
    changed = sorted(name for name, value in changes.items() if getattr(settings, name) != value)
    for name in changed:
        setattr(settings, name, changes[name])
    if changed:
        settings.save(update_fields=changed)
    logger.info("payment settings changed", extra={"acting_user_id": acting_user.id, "fields": ",".join(changed)})
    # The request's tenant carries the settings it loaded: keep it in step for the rest of the request.
    tenant.payment_settings = settings
    return settings
