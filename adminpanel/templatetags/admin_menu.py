"""{% admin_menu %}: the office's Admin and Utility Admin menus, with the current page marked."""

from collections import Counter

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from adminpanel.menu import MENU

register = template.Library()


def _current_label(current: str | None) -> str:
    """The current page's entry as the phone's "Office menu: …" line says it; its menu's name when the label
    is in both menus ("Email (Utility Admin)")."""
    counts = Counter(str(e.label) for s in MENU for e in s.entries)
    for section in MENU:
        for entry in section.entries:
            if entry.is_current(current):
                if counts[str(entry.label)] > 1:
                    return _("%(entry)s (%(menu)s)") % {"entry": entry.label, "menu": section.label}
                return str(entry.label)
    return ""


@register.inclusion_tag("adminpanel/_menu.html", takes_context=True)
def admin_menu(context):
    request = context["request"]
    match = request.resolver_match
    current = match.url_name if match and match.namespace == "adminpanel" else None
    current = getattr(request, "office_menu_current", None) or current  # a page under a list chosen by its row
    sections = [{"label": s.label, "entries": [
        {"label": e.label, "url": reverse(f"adminpanel:{e.url_name}"), "current": e.is_current(current)}
        for e in s.entries]} for s in MENU]
    return {"sections": sections, "current_label": _current_label(current), "request": request}
