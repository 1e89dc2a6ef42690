"""Each city's COWS link health: recorded by every call, reported in /healthz, kept as a history of
outages (CowsOutage), and an email once when a link goes down and once when it comes back, to the
city's office admins (or those the office chose, see cows_bridge/settings.py alert_recipients)."""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import KEY_REFUSED

logger = logging.getLogger(__name__)

# Successes on a healthy link are written at most this often per process (a busy page
# should not turn every read into a database write).
SUCCESS_WRITE_INTERVAL = 15.0
# A link is down after this many failures in a row: one refused call between good ones (COWS
# refusing only receipts, say) is not an outage, and must not send the office a storm of alerts.
DOWN_AFTER = 2
_last_success_write: dict[int, float] = {}


def _link(tenant):
    from .models import CowsLink

    link, _created = CowsLink.objects.get_or_create(tenant=tenant)
    return link


def record_success(tenant, latency_ms: int) -> None:
    from .models import CowsLink, CowsOutage

    now_mono = time.monotonic()
    last = _last_success_write.get(tenant.id)
    if last is not None and now_mono - last < SUCCESS_WRITE_INTERVAL:
        return
    _last_success_write[tenant.id] = now_mono
    _link(tenant)
    now = timezone.now()
    with transaction.atomic():
        # Exactly one caller sees the down→up transition and announces it.
        came_back = CowsLink.objects.filter(tenant=tenant, is_down=True).update(
            is_down=False, down_since=None, last_success_at=now, latency_ms=latency_ms, consecutive_failures=0)
        if came_back:
            CowsOutage.objects.filter(tenant=tenant, ended_at__isnull=True).update(ended_at=now)
        else:
            CowsLink.objects.filter(tenant=tenant).update(last_success_at=now, latency_ms=latency_ms,
                                                          consecutive_failures=0)
    if came_back:
        logger.warning("COWS link is back", extra={"tenant": tenant.slug})
        _alert(tenant, down=False)


def record_failure(tenant, reason: str, *, at_once: bool = False) -> None:
    """Count a failed call; the link goes down after DOWN_AFTER in a row, or at once (a refused key)."""
    from .models import CowsLink, CowsOutage

    _last_success_write.pop(tenant.id, None)  # the next success is written at once
    _link(tenant)
    now = timezone.now()
    from django.db.models import F

    with transaction.atomic():
        CowsLink.objects.filter(tenant=tenant).update(last_failure_at=now, last_error=reason[:300],
                                                      consecutive_failures=F("consecutive_failures") + 1)
        # Exactly one caller sees the up→down transition and announces it.
        went_down = CowsLink.objects.filter(tenant=tenant, is_down=False,
                                            consecutive_failures__gte=1 if at_once else DOWN_AFTER).update(
            is_down=True, down_since=now)
        if went_down:
            CowsOutage.objects.create(tenant=tenant, started_at=now, last_error=reason[:300])
        else:
            CowsOutage.objects.filter(tenant=tenant, ended_at__isnull=True).update(last_error=reason[:300])
    if went_down:
        logger.error("COWS link is down: %s", reason, extra={"tenant": tenant.slug})
        _alert(tenant, down=True, reason=reason)


def _alert(tenant, *, down: bool, reason: str = "") -> None:
    """Email the office that its link went down (saying why: not running, or its key refused) or came back."""
    from communications.outbox import queue_email

    from .models import CowsLink
    from .settings import alert_recipients

    recipients = alert_recipients(tenant=tenant)
    if not recipients:
        return
    key_refused = down and reason.startswith(KEY_REFUSED)
    if key_refused:
        subject = _("COWS refused the portal's key: payments cannot reach Caselle")
    elif down:
        subject = _("COWS is not running: payments cannot reach Caselle")
    else:
        subject = _("COWS is running again")
    body = render_to_string("cows_bridge/link_alert.txt", {"tenant": tenant, "down": down, "key_refused": key_refused})
    try:
        queue_email(tenant=tenant, kind="cows_alert", to=recipients, subject=f"[{tenant.name}] {subject}", text=body)
    except Exception:  # an alert that cannot be queued must not break the page that noticed the outage
        logger.exception("could not queue the COWS alert", extra={"tenant": tenant.slug})
        return
    from django.db.models import F

    CowsLink.objects.filter(tenant=tenant).update(alerts_sent=F("alerts_sent") + 1)


def link_report() -> dict:
    """Per city with COWS configured: whether the link is up, and what was last seen."""
    from portal.models import Tenant

    report = {}
    tenants = Tenant.objects.filter(is_active=True).exclude(cows_url="").select_related("cows_link")
    for tenant in tenants:
        link = getattr(tenant, "cows_link", None)
        if link is None:
            report[tenant.slug] = {"ok": None, "last_success": None, "last_failure": None}
            continue
        report[tenant.slug] = {
            "ok": not link.is_down,
            "down_since": link.down_since.isoformat() if link.down_since else None,
            "last_success": link.last_success_at.isoformat() if link.last_success_at else None,
            "last_failure": link.last_failure_at.isoformat() if link.last_failure_at else None,
            "last_error": link.last_error or None,
            "latency_ms": link.latency_ms,
        }
    return report
