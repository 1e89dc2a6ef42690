"""The footer every email carries: the city's name and address, and for mail a person chose to get, how to stop it."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext as _

from customers.notifications import Category
from portal.models import Tenant


def _address(tenant: Tenant) -> str:
    """The office's address on one line: its lines joined by commas ("100 Main St, Riverton, CO 80000")."""
    settings = getattr(tenant, "portal_settings", None)
    lines = (getattr(settings, "office_address", "") or "").splitlines()
    return ", ".join(" ".join(line.split()) for line in lines if line.strip())


class Footer:
    """The footer of one city and category, made once for a batch: only the unsubscribe link differs per address."""

    def __init__(self, tenant: Tenant, *, category: str):
        address = _address(tenant)
        self.optional = category != Category.TRANSACTIONAL
        label = Category(category).label
        lines = ["", "--", tenant.name] + ([address] if address else [])
        self._text = "\n".join(lines)
        self._stop_text = _("Stop “%(category)s” emails: %(link)s") % {"category": label, "link": "\0"}
        parts = [f"<strong>{escape(tenant.name)}</strong>"] + ([escape(address)] if address else [])
        self._html = '<hr><p style="font-size: 0.9em; color: #444">' + "<br>".join(parts) + "</p>"
        self._stop_html = escape(_("Stop “%(category)s” emails") % {"category": label})

    def text(self, unsubscribe: str = "") -> str:
        """The plain-text footer."""
        if unsubscribe:
            return self._text + "\n" + self._stop_text.replace("\0", unsubscribe) + "\n"
        return self._text + "\n"

    def html(self, unsubscribe: str = "") -> str:
        """The HTML footer (every value escaped)."""
        if unsubscribe:
            return (self._html + f'<p style="font-size: 0.9em"><a href="{escape(unsubscribe)}">'
                    + self._stop_html + "</a></p>")
        return self._html

