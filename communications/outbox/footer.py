"""The footer every email carries: the city's name and address, and for mail a person chose to get, how to stop it."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext as _

from customers.notifications import Category
from portal.models import Tenant


def _address(tenant: Tenant) -> str:
    settings = getattr(tenant, "portal_settings", None)
    return " ".join((getattr(settings, "office_address", "") or "").split())


def footer_text(tenant: Tenant, *, category: str, unsubscribe: str = "") -> str:
    """The plain-text footer."""
    lines = ["", "--", tenant.name]
    if _address(tenant):
        lines.append(_address(tenant))
    if unsubscribe:
        label = Category(category).label
        lines.append(_("Stop “%(category)s” emails: %(link)s") % {"category": label, "link": unsubscribe})
    return "\n".join(lines) + "\n"


def footer_html(tenant: Tenant, *, category: str, unsubscribe: str = "") -> str:
    """The HTML footer (every value escaped)."""
    parts = [f"<strong>{escape(tenant.name)}</strong>"]
    if _address(tenant):
        parts.append(escape(_address(tenant)))
    html = '<hr><p style="font-size: 0.9em; color: #444">' + "<br>".join(parts) + "</p>"
    if unsubscribe:
        label = Category(category).label
        html += (f'<p style="font-size: 0.9em"><a href="{escape(unsubscribe)}">'
                 + escape(_("Stop “%(category)s” emails") % {"category": label}) + "</a></p>")
    return html
