"""My profile's Notifications page, and the one-click unsubscribe link (RFC 8058)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import notifications
from .notification_forms import NotificationsForm, initial_for
from .notifications.categories import OPTIONAL, Category


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    """Which emails and texts the person gets from this city, and the mobile phone for texts."""
    choices = notifications.choices_of(tenant=request.tenant, user=request.user)
    form = NotificationsForm(request.POST or None, initial=initial_for(choices, phone=request.user.phone),
                             offer_texts=choices["texts"], city_name=request.tenant.name)
    if request.method == "POST" and form.is_valid():
        notifications.save_preferences(tenant=request.tenant, user=request.user, **form.choices())
        messages.success(request, _("Your notification choices were saved."))
        return redirect("customers:notifications")
    return render(request, "customers/notifications.html", {"form": form})


@csrf_exempt  # a mail client's one-click POST carries no cookie: the signed token is the authority
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks "Stop these emails?"; POST (the page's button, or a mail client's one-click) stops that category."""
    try:
        link = notifications.read_unsubscribe_token(token)
    except notifications.BadToken:
        return render(request, "customers/unsubscribe_invalid.html", status=400)
    if link.tenant_id != request.tenant.id:
        raise Http404
    if link.category not in {c.value for c in OPTIONAL}:
        return render(request, "customers/unsubscribe_invalid.html", status=400)
    context = {"address": link.address, "category": Category(link.category).label}
    if request.method == "POST":
        notifications.unsubscribe(tenant=request.tenant, address=link.address, category=link.category)
        return render(request, "customers/unsubscribe_done.html", context)
    return render(request, "customers/unsubscribe.html", context)
