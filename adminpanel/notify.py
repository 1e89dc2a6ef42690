"""Telling every office admin of a city, by email, that someone changed a sensitive setting.

Who changed what, when (in the city's time) and from where; never a secret's value, and no key's value at
all (a publishable key is only "changed"). Sent after the change is committed: a change that rolls back
tells no one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from allauth.core.internal.httpkit import get_client_ip

from .audit import SECRET_REMOVED

logger = logging.getLogger(__name__)


def person(user) -> str:
    """A person as the office reads them: their name and address, or the address alone."""
    name = " ".join(n for n in (user.first_name, user.last_name) if n)
    return f"{name} <{user.email}>" if name else user.email


def office_admin_emails(tenant) -> list[str]:
    """The addresses of the city's active office admins."""
    from customers.models import Membership

    return list(tenant.memberships.filter(role=Membership.Role.OFFICE_ADMIN, user__is_active=True)
                .order_by("user__email").values_list("user__email", flat=True))


def describe(changes: Mapping[str, list], labels: Mapping[str, str], *, show_values: Iterable[str] = ()) -> list[str]:
    """One line per changed setting: its label, and its old and new value only for the fields in `show_values`."""
    shown = set(show_values)
    lines = []
    for field, (before, after) in changes.items():
        label = labels.get(field, field)
        if field in shown:
            lines.append(_("%(label)s: %(before)s → %(after)s") % {"label": label, "before": before or _("(empty)"),
                                                                   "after": after or _("(empty)")})
        elif not after or after == SECRET_REMOVED:
            lines.append(_("%(label)s: removed") % {"label": label})
        else:
            lines.append(_("%(label)s: changed") % {"label": label})
    return lines


def settings_changed(request, *, area: str, lines: list[str]) -> None:
    """After the commit, email every office admin of the request's city that `area` changed, with `lines`."""
    if not lines:
        return
    tenant, user = request.tenant, request.user
    at = timezone.localtime(timezone.now(), tenant.zone)
    context = {"tenant": tenant, "area": area, "lines": lines, "ip": get_client_ip(request),
               "who": person(user),
               "when": f"{formats.date_format(at, 'M j, Y g:i A')} ({tenant.time_zone})"}
    subject = _("[%(city)s] %(area)s were changed") % {"city": tenant.name, "area": area}
    body = render_to_string("adminpanel/email/settings_changed.txt", context)
    recipients = office_admin_emails(tenant)
    transaction.on_commit(lambda: _send(tenant, subject, body, recipients))


def _send(tenant, subject: str, body: str, recipients: list[str]) -> None:
    from communications.outbox import queue_email

    # One message each (the outbox's rows are one per address): the admins' addresses are not shown to one another.
    try:
        queue_email(tenant=tenant, kind="office_notice", to=recipients, subject=subject, text=body)
    except Exception:  # a notice that cannot be queued must not undo or break the change it reports
        logger.exception("could not queue an office notice", extra={"tenant": tenant.slug})