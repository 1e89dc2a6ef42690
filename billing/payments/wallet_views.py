"""The wallet: a person's saved payment methods."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import wallet as wallet_service
from .view_helpers import saved_methods


@login_required
@require_GET
def wallet(request):
    """Saved payment methods: the user's own, whatever accounts they pay."""
    return render(request, "pay/wallet.html", {"methods": saved_methods(request)})


@login_required
@require_POST
def delete_method(request, method_id: int):
    """Delete a saved method; when something uses it (AutoPay), ask first, naming what it would stop."""
    method = request.tenant.payment_methods.filter(user=request.user, pk=method_id, deleted_at__isnull=True).first()
    if method is None:
        raise Http404
    uses = wallet_service.uses_of(method=method)
    if uses and request.POST.get("confirm") != "yes":
        return render(request, "pay/wallet_delete.html", {"method": method, "uses": uses})
    stopped = wallet_service.delete_method(method=method, acting_user=request.user)
    messages.success(request, _("%(method)s was removed from your wallet.") % {"method": method.label})
    for line in stopped:
        messages.warning(request, line)
    return redirect("pay:wallet")
