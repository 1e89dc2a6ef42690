from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import health as health_checks
from . import registry
from .models import Tenant
from .portal_settings import departments
from .tenancy import tenant_url


@require_GET
def home(request):
    """Logged out: the city's login page. Logged in: the welcome page with Where To? tiles."""
    if not request.user.is_authenticated:
        return render(request, "portal/landing.html", registry.merged(registry.landing_context, request))
    return render(request, "portal/welcome.html", {"modules": departments(request.tenant, request)})


@login_required
@require_GET
def onboarding(request):
    """After verifying the email: link a utility account now, or go to the homepage."""
    from django.urls import reverse

    link_url = reverse("linking:link") if request.tenant.has_module("utility_billing") else None
    return render(request, "portal/onboarding.html", {"link_url": link_url})


@require_GET
def directory(request):
    """The bare domain: find your city by name."""
    query = request.GET.get("q", "").strip()[:100]
    tenants = Tenant.objects.filter(is_active=True)
    if query:
        tenants = tenants.filter(Q(name__icontains=query) | Q(slug__icontains=query))
    cities = [{"name": t.name, "url": tenant_url(t, request)} for t in tenants.order_by("name")[:50]]
    return render(request, "portal/directory.html", {"cities": cities, "query": query})


@never_cache
@require_GET
def healthz(request):
    """ok/unhealthy for anyone; the details (each part, each city's COWS link) with the HEALTH_TOKEN."""
    report = health_checks.check_all()
    status = 200 if report["status"] == "ok" else 503
    if not _has_health_token(request):
        return JsonResponse({"status": report["status"]}, status=status)
    return JsonResponse(report, status=status)


def _has_health_token(request) -> bool:
    token = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and constant_time_compare(given, f"Bearer {token}")


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def bench_bare(request):
    """The baseline of the benchmarks in bench/: a view that does nothing (only with BENCHMARK_VIEWS)."""
    from django.http import HttpResponse

    return HttpResponse(b"ok", content_type="text/plain")
