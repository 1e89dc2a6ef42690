import re
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from . import registry
from .access import is_office_admin
from .portal_settings import STANDARD_COLOUR, departments

# Customer navigation; an entry shows once its page exists (url name resolves).
CUSTOMER_NAV = (
    ("home", _("Home")),
    ("billing:home", _("Utility Billing")),
    ("billing:history", _("Bills and Payments")),
    ("billing:graphs", _("Graphs")),
    ("communications:list", _("Communications")),
    ("autopay:manage", _("Manage AutoPay")),
)


@lru_cache(maxsize=8)
def _nav_urls(urlconf: str) -> tuple[tuple[str, object], ...]:
    """The customer menu's addresses, reversed once per process (they never change at run time)."""
    urls = []
    for name, label in CUSTOMER_NAV:
        try:
            urls.append((reverse(name, urlconf=urlconf), label))
        except NoReverseMatch:
            continue
    return tuple(urls)


def _nav(request) -> list[dict]:
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return [{"url": url, "label": label, "current": request.path == url} for url, label in _nav_urls(urlconf)]


def portal(request):
    tenant = getattr(request, "tenant", None)
    context = {"tenant": tenant, "base_domain": settings.BASE_DOMAIN}
    if tenant is None:
        return context
    settings_ = tenant.portal_settings
    context["portal_settings"] = settings_
    # It goes into a <style> element: only ever a #rrggbb value, whatever the database holds.
    colour = settings_.theme_colour if re.fullmatch(r"#[0-9a-fA-F]{6}", settings_.theme_colour or "") else ""
    context["theme_colour"] = colour or STANDARD_COLOUR
    context.update(registry.merged(registry.city_context, request))
    if request.user.is_authenticated:
        context["nav_items"] = _nav(request)
        context["is_office_admin"] = is_office_admin(request)
        context["departments"] = SimpleLazyObject(lambda: [
            {"label": m.label, "url": reverse(m.url_name)} for m in departments(tenant, request)])
        context["departments_label"] = settings_.departments_label or _("Departments")
        context.update(registry.merged(registry.page_context, request))
    return context
