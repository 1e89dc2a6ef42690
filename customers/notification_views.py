"""My profile's Notifications page, and the one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """Placeholder while the page is built."""
    return HttpResponse(status=200)
