from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from . import registry
from .access import is_office_admin

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
    context["portal_settings"] = tenant.portal_settings
    context.update(registry.merged(registry.city_context, request))
    if request.user.is_authenticated:
        context["nav_items"] = _nav(request)
        context["is_office_admin"] = is_office_admin(request)
        context.update(registry.merged(registry.page_context, request))
    return context
