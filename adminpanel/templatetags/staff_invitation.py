"""{{ next|is_staff_invitation }}: whether the sign-in page leads on to an office-staff invitation's link."""

from urllib.parse import urlsplit

from django import template
from django.urls import Resolver404, resolve

register = template.Library()


@register.filter
def is_staff_invitation(next_url) -> bool:
    """True when `next_url` is the accept link of a staff invitation (valid or not: it only changes a hint)."""
    if not next_url:
        return False
    try:
        match = resolve(urlsplit(str(next_url)).path)
    except Resolver404:
        return False
    return match.view_name == "adminpanel:staff_accept"
