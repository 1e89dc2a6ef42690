"""Which tenant a request is for: decided from the host, once, by TenantMiddleware."""

from __future__ import annotations

from django.conf import settings

from .context import current_tenant_slug  # noqa: F401  (re-exported)
from .models import Tenant


def slug_from_host(host: str) -> str | None:
    """The city slug of a host like 'demo.localhost:8000'; None for the bare domain."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.lower().rstrip(".")
    if name in settings.DIRECTORY_HOSTS:
        return None
    suffix = "." + settings.BASE_DOMAIN
    if name.endswith(suffix):
        label = name[: -len(suffix)]
        if label and "." not in label:
            return label
    return ""  # a host we serve but that names no city shape: treated as unknown


def tenant_for_slug(slug: str) -> Tenant | None:
    return Tenant.objects.select_related("portal_settings", "payment_settings").filter(slug=slug, is_active=True).first()


def tenant_url(tenant: Tenant, request=None, path: str = "/") -> str:
    """The absolute address of a city's portal, on the same scheme and port as the request."""
    scheme = request.scheme if request is not None else ("https" if settings.PRODUCTION else "http")
    port = ""
    if request is not None:
        host = request.get_host()
        if ":" in host and not host.endswith("]"):
            port = ":" + host.rsplit(":", 1)[1]
    return f"{scheme}://{tenant.slug}.{settings.BASE_DOMAIN}{port}{path}"
