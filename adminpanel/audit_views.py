"""Audit log (Admin - Audit log): every write an office admin made at the city, newest first; read-only."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.access import office_admin_required

from .audit_actions import action_label
from .audit_filters import AuditFilter
from .listing import DATETIME_FORMAT, Column, export, list_page, local_datetime


ACRONYMS = {"udf": "UDF", "cows": "COWS", "url": "URL", "ach": "ACH", "api": "API", "mfa": "MFA"}


def _label(field: str) -> str:
    """A field name as words: udf_block_card is "UDF block card", cows_url "COWS URL"."""
    words = field.replace("_", " ").strip().split()
    words = [ACRONYMS.get(w.lower(), w) for w in words]
    if words and words[0] not in ACRONYMS.values():
        words[0] = words[0].capitalize()
    return " ".join(words)


def _shown(value) -> str:
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or _("(empty)")
    return str(value)


# On the screen a value longer than this (an email's body, a long message) is cut; the export keeps it whole.
SCREEN_VALUE_LIMIT = 300


def _cut(text: str, limit: int | None) -> dict:
    if limit is None or len(text) <= limit:
        return {"text": text, "cut": False}
    return {"text": text[: limit - 1].rstrip() + "…", "cut": True}


def changes_shown(entry, *, limit: int | None = None) -> list[dict]:
    """An entry's {field: [before, after]} as the office reads it: a label, before and after (secrets are
    already only "(changed)" / "(set)" / "(removed)" in the log), each cut to `limit` characters if given."""
    rows = []
    for field, pair in (entry.changes or {}).items():
        before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        before, after = _cut(_shown(before), limit), _cut(_shown(after), limit)
        rows.append({"field": _label(field), "before": before["text"], "after": after["text"],
                     "cut": before["cut"] or after["cut"]})
    return rows


def _changes_text(entry) -> str:
    return "; ".join(f"{c['field']}: {c['before']} → {c['after']}" for c in changes_shown(entry))


def _entries(request):
    return request.tenant.audit_entries.order_by("-at", "-id")


@office_admin_required
@never_cache
@require_GET
def audit_log(request):
    """The city's audit log, filtered, 50 a page."""
    listing = list_page(request, AuditFilter, _entries(request))
    rows = [{"entry": e, "changes": changes_shown(e, limit=SCREEN_VALUE_LIMIT), "action": action_label(e.action)}
            for e in listing.page.object_list]
    return render(request, "adminpanel/audit.html", {"form": listing.form, "page": listing.page, "rows": rows})


@office_admin_required
@require_GET
def audit_export(request):
    """Export to Excel: the filtered entries, every page."""
    zone = request.tenant.zone
    columns = [
        Column(_("When"), lambda e: local_datetime(e.at, zone), DATETIME_FORMAT, 18),
        Column(_("Person"), lambda e: e.actor_email, width=30),
        Column(_("Action"), lambda e: action_label(e.action), width=30),
        Column(_("What was done"), lambda e: e.summary, width=50),
        Column(_("Done to"), lambda e: e.target, width=30),
        Column(_("Changes (before → after)"), _changes_text, width=60),
        Column(_("From address"), lambda e: e.ip or "", width=16),
    ]
    return export(request, AuditFilter, _entries(request), name="audit-log", title=_("Audit log"), columns=columns)
