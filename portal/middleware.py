"""Tenant resolution from the host, and sessions bound to the tenant they were made in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import render
from django.utils import timezone

from .tenancy import current_tenant_slug, slug_from_host, tenant_for_slug

SESSION_TENANT_KEY = "_tenant_id"

class TenantMiddleware:
    """Sets request.tenant (None on the directory host) and the city's time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # get_host() validates the Host header against ALLOWED_HOSTS (400 when bad).
        host = request.get_host()
        slug = slug_from_host(host)
        request.tenant = None
        if slug is None:
            request.urlconf = settings.DIRECTORY_URLCONF
            current_tenant_slug.set(None)
            return self.get_response(request)
        tenant = tenant_for_slug(slug) if slug else None
        if tenant is None:
            current_tenant_slug.set(None)
            if request.path == "/healthz":
                request.urlconf = settings.DIRECTORY_URLCONF
                return self.get_response(request)
            return render(request, "portal/unknown_tenant.html",
                          {"address": host.rsplit(":", 1)[0], "directory_url": directory_url(request)},
                          status=404)
        request.tenant = tenant
        # Left set after the response: Django logs 4xx/5xx once the middleware chain returned.
        # Every request sets it afresh on arrival.
        current_tenant_slug.set(tenant.slug)
        timezone.activate(tenant.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

class TenantSessionMiddleware:
    """A session belongs to the city it was made in; shown at another city, or bound to none, it logs out.

    Cookies are host-only already; this also stops a copied cookie from crossing cities. Logging in
    binds the session (customers/adapters.py); a signed-in session without a city fails closed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if request.user.is_authenticated:
            if tenant is None or request.session.get(SESSION_TENANT_KEY) != tenant.id:
                logout(request)
        return self.get_response(request)

def directory_url(request) -> str:
    port = ""
    host = request.get_host()
    if ":" in host and not host.endswith("]"):
        port = ":" + host.rsplit(":", 1)[1]
    return f"{request.scheme}://{settings.BASE_DOMAIN}{port}/"
