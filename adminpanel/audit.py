"""Recording admin writes in the audit log (adminpanel.models.AuditEntry).

Every view of the office that changes something calls `record` after the owning app's domain
function succeeded; settings screens pass `changes(before, after)` so the log shows what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import FieldDoesNotExist
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import AuditEntry

SECRET_CHANGED = "(changed)"
SECRET_REMOVED = "(removed)"
SECRET_SET = "(set)"


def _plain(value):
    """A value as the log keeps it: JSON-friendly and short."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, FieldFile):  # its name only (an empty one has no url to ask for)
        return value.name or ""
    text = str(value)
    return text if len(text) <= 500 else text[:497] + "..."


def snapshot(obj, fields: Iterable[str]) -> dict:
    """The named fields of a model instance (or a mapping), as the office reads them, for a before/after pair:
    a choice by its label ("Stripe", not "stripe"), a time in the city's zone."""
    if isinstance(obj, Mapping):
        return {f: obj.get(f) for f in fields}
    return {f: _readable(obj, f) for f in fields}


def _readable(obj, name: str):
    value = getattr(obj, name)
    try:
        field = obj._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        return value
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "M j, Y g:i A")
    return value


def changes(before: Mapping, after: Mapping, *, secret: Iterable[str] = ()) -> dict:
    """{field: [before, after]} for each changed field; a secret only as set or empty, then changed, set or removed."""
    secret = set(secret)
    out = {}
    for field in after:
        old, new = before.get(field), after.get(field)
        if _plain(old) == _plain(new):
            continue
        if field in secret:  # never the value: whether one was set, and what became of it
            out[field] = [SECRET_SET if old else "",
                          SECRET_REMOVED if not new else (SECRET_CHANGED if old else SECRET_SET)]
        else:
            out[field] = [_plain(old), _plain(new)]
    return out


def record(request, action: str, summary: str, *, target: str = "", changes: dict | None = None,
           tenant=None, actor=None) -> AuditEntry:
    """Add one row to the city's audit log for what the request's person (or `actor`, mid sign-in) just did."""
    user = actor or (request.user if request.user.is_authenticated else None)
    return AuditEntry.objects.create(
        tenant=tenant or request.tenant, actor=user, actor_email=getattr(user, "email", "") or "",
        action=action, summary=summary[:300], target=target[:200], changes=changes or {},
        ip=get_client_ip(request) if request is not None else None)


def record_view_as_ended(sender, request, viewing, reason, **kwargs):
    """The audit row of a view-as-customer that ended (Stop, an office page, sign-out, expiry)."""
    from customers import view_as

    record(request, "view_as.stop", _("Stopped viewing the portal as %(email)s (%(reason)s)") % {
        "email": viewing.email, "reason": view_as.REASONS.get(reason, reason)}, target=viewing.email)


def record_changes(request, action: str, summary: str, before: Mapping, after: Mapping, *, secret: Iterable[str] = (),
                   target: str = "") -> dict:
    """Record a settings save with its before/after, only when something changed; returns the changes."""
    found = changes(before, after, secret=secret)
    if found:
        record(request, action, summary, target=target, changes=found)
    return found


def _office_admin_request(request, user) -> bool:
    tenant = getattr(request, "tenant", None)
    return tenant is not None and user is not None and user.is_office_admin_at(tenant)


def record_authenticator_change(sender, request, user, authenticator, signal=None, **kwargs):
    """An office admin's authenticator app or recovery codes were set up, removed or renewed."""
    if not _office_admin_request(request, user):
        return
    what = {"totp": _("authenticator app"), "recovery_codes": _("recovery codes")}.get(authenticator.type,
                                                                                    authenticator.type)
    verb = {"added": _("Set up"), "removed": _("Removed"), "reset": _("Renewed")}[kwargs["change"]]
    record(request, f"mfa.{kwargs['change']}", f"{verb}: {what}", target=user.email, actor=user)


def record_recovery_code_used(sender, request, user, authenticator, **kwargs):
    """An office admin signed in with a recovery code (their phone may be lost): worth a line in the log."""
    if authenticator.type == "recovery_codes" and _office_admin_request(request, user):
        record(request, "mfa.recovery_code_used", _("Signed in with a recovery code"), target=user.email, actor=user)
