"""The office's COWS settings: the connection (address and key), testing it, and who gets the outage alert.

The address and key live on the Tenant (portal); this module is the one place that writes them, so the
bridge that uses them also owns how they change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from portal.models import Tenant

from . import client
from .errors import CowsAuthFailed, CowsBadResponse, CowsError, CowsNotConfigured, CowsRejected, CowsUnavailable
from .models import CowsAlertRecipient, CowsAlertSettings, CowsLink, CowsOutage

logger = logging.getLogger(__name__)

OUTAGES_SHOWN = 20


@transaction.atomic
def update_connection(*, tenant: Tenant, url: str, api_key: str, acting_user) -> Tenant:
    """Point the city at its COWS address; an empty `api_key` keeps the saved one."""
    row = Tenant.objects.select_for_update().get(pk=tenant.pk)
    row.cows_url = url
    if api_key:
        row.cows_api_key = api_key
    row.save(update_fields=["cows_url", "cows_api_key"])  # the save also drops this process's cached tenant
    # The request's tenant object is used for the rest of the request: keep it in step.
    tenant.cows_url, tenant.cows_api_key = row.cows_url, row.cows_api_key
    logger.info("COWS connection changed", extra={"tenant": tenant.slug, "acting_user_id": acting_user.id,
                                                  "key_changed": bool(api_key)})
    return row


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    office_name: str = ""
    open_period: str = ""


def check_connection(*, tenant: Tenant) -> ConnectionCheck:
    """Ask COWS for the office's status and periods with the saved address and key; say plainly what came back."""
    try:
        status = client.get_status(tenant)
        open_period, _closed = client.get_periods(tenant)
    except CowsNotConfigured:
        return ConnectionCheck(False, _("No COWS address is saved yet. Enter the address your trainer or "
                                        "Caselle support gave you, then test again."))
    except CowsUnavailable as exc:
        return ConnectionCheck(False, _("COWS did not answer. Check the address; if it is right, ask IT to restart "
                                        "the Caselle Online Web Service on the server. (For support: %(detail)s)")
                               % {"detail": exc})
    except CowsAuthFailed:
        return ConnectionCheck(False, _("COWS answered but refused the key. Check the key with Caselle support."))
    except (CowsRejected, CowsBadResponse):
        return ConnectionCheck(False, _("Something answered at this address, but not as COWS does. "
                                        "Check the address."))
    except CowsError as exc:  # pragma: no cover - the family above is complete today
        return ConnectionCheck(False, _("COWS could not be asked: %(detail)s") % {"detail": exc})
    period = open_period or status.open_period
    found = (_("Connected to %(office)s. Open period: %(period)s.") if period
             else _("Connected to %(office)s. No billing period is open."))
    name = status.name or status.office
    return ConnectionCheck(True, found % {"office": name, "period": period.label if period else ""},
                           office_name=name, open_period=period.label if period else "")


def link_state(*, tenant: Tenant) -> CowsLink | None:
    """How the bridge last saw the city's link (None before the first call)."""
    return CowsLink.objects.filter(tenant=tenant).first()


def outages(*, tenant: Tenant) -> list[CowsOutage]:
    """The city's last outages of the link, newest first."""
    return list(tenant.cows_outages.order_by("-started_at", "-id")[:OUTAGES_SHOWN])


def alert_settings(*, tenant: Tenant) -> CowsAlertSettings:
    """Who gets the outage alert (an unsaved default row when the office never chose: every admin)."""
    found = CowsAlertSettings.objects.filter(tenant=tenant).first()
    return found or CowsAlertSettings(tenant=tenant)


def chosen_admin_ids(*, tenant: Tenant) -> list[int]:
    return list(tenant.cows_alert_recipients.values_list("user_id", flat=True))


def alert_recipients(*, tenant: Tenant) -> list[str]:
    """The addresses the "COWS is not running" email goes to: the chosen active office admins, and the extras."""
    from customers.models import Membership

    chosen = alert_settings(tenant=tenant)
    admins = tenant.memberships.filter(role=Membership.Role.OFFICE_ADMIN, user__is_active=True)
    if not chosen.all_admins:
        admins = admins.filter(user_id__in=tenant.cows_alert_recipients.values("user_id"))
    emails = list(admins.order_by("user__email").values_list("user__email", flat=True))
    extras = [e for e in chosen.extra_emails.split() if e]
    return list(dict.fromkeys(emails + extras))


@transaction.atomic
def update_alert_recipients(*, tenant: Tenant, all_admins: bool, admin_ids: list[int], extra_emails: list[str],
                            acting_user) -> CowsAlertSettings:
    """Choose who gets the outage alert: every office admin, or the chosen ones; plus extra addresses."""
    row, _created = CowsAlertSettings.objects.select_for_update().get_or_create(tenant=tenant)
    row.all_admins = all_admins
    row.extra_emails = "\n".join(extra_emails)
    row.save(update_fields=["all_admins", "extra_emails"])
    tenant.cows_alert_recipients.exclude(user_id__in=admin_ids).delete()
    kept = set(chosen_admin_ids(tenant=tenant))
    CowsAlertRecipient.objects.bulk_create([CowsAlertRecipient(tenant=tenant, user_id=i)
                                            for i in admin_ids if i not in kept])
    logger.info("COWS alert recipients changed", extra={"tenant": tenant.slug, "acting_user_id": acting_user.id})
    return row
