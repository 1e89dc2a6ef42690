"""Which tenant a request is for: decided from the host, once, by TenantMiddleware."""

from __future__ import annotations

import time

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


# Each process keeps the tenants it resolved for a few seconds: the lookup (with the portal and
# payment settings) was half the cost of a bare request. Saving a tenant or its settings clears
# this process's copy at once (signals.py); other processes see a change within the TTL.
_resolved: dict[str, tuple[float, Tenant | None]] = {}


def tenant_for_slug(slug: str) -> Tenant | None:
    ttl = getattr(settings, "TENANT_CACHE_SECONDS", 10)
    now = time.monotonic()
    hit = _resolved.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    tenant = Tenant.objects.select_related("portal_settings", "payment_settings").filter(
        slug=slug, is_active=True).first()
    if ttl > 0:
        if len(_resolved) > 1000:
            _resolved.clear()
        _resolved[slug] = (now + ttl, tenant)
    return tenant


def forget_tenants() -> None:
    _resolved.clear()


def tenant_url(tenant: Tenant, request=None, path: str = "/") -> str:
    """The absolute address of a city's portal, on the same scheme and port as the request (or PUBLIC_PORT)."""
    scheme = request.scheme if request is not None else ("https" if settings.PRODUCTION else "http")
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    if request is not None:
        host = request.get_host()
        if ":" in host and not host.endswith("]"):
            port = ":" + host.rsplit(":", 1)[1]
    return f"{scheme}://{tenant.slug}.{settings.BASE_DOMAIN}{port}{path}"
