"""{% admin_menu %}: the office's Admin and Utility Admin menus, with the current page marked."""

from django import template
from django.urls import reverse

from adminpanel.menu import MENU

register = template.Library()


@register.inclusion_tag("adminpanel/_menu.html", takes_context=True)
def admin_menu(context):
    request = context["request"]
    match = request.resolver_match
    current = match.url_name if match and match.namespace == "adminpanel" else None
    sections = [{"label": s.label, "entries": [
        {"label": e.label, "url": reverse(f"adminpanel:{e.url_name}"), "current": e.is_current(current)}
        for e in s.entries]} for s in MENU]
    return {"sections": sections, "request": request}
