"""Other Payments (signed in) and Pay as Guest: a Cash Receipting department and payment type."""

from __future__ import annotations

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cows_bridge import client as cows
from cows_bridge.errors import CowsError

from .amounts import CheckoutError
from .availability import payments_set_up
from .forms import OtherPaymentForm, errors_by_field
from .providers import payment_settings
from .view_helpers import amount_preview, checkout_context, payment_page, pay_or_add


def _categories(request) -> list:
    """The office's categories that have a distribution allowing portal payments (cached briefly)."""
    key = f"cr-categories:{request.tenant.id}"
    data = cache.get(key)
    if data is None:
        data = [c for c in cows.get_categories(request.tenant) if c.portal_distributions]
        cache.set(key, data, 300)
    return data


@payment_page
@payments_set_up
@require_http_methods(["GET", "POST"])
def other_payment(request):
    """Other Payments (logged in) and Pay as Guest: department, payment type, reference or payor, amount."""
    if request.tenant is None:
        raise Http404
    settings_ = payment_settings(request.tenant)
    guest = not request.user.is_authenticated
    if guest and not settings_.allow_guest_payments:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    if not guest and not settings_.allow_other_payments:
        raise Http404
    try:
        categories = _categories(request)
    except CowsError:
        return render(request, "pay/other_unavailable.html", status=503)
    posted = request.method == "POST"
    data = request.POST if posted else request.GET
    # A GET (?category=...&distribution=...) only preselects the choices: only a POST is validated.
    form = OtherPaymentForm(data, request=request, categories=categories, settings_=settings_)
    errors: dict[str, str] = {}
    if posted:
        if form.is_valid():
            try:
                item = form.item()
                return pay_or_add(request, item, payer_email=form.cleaned_data["email"],
                                  added=_("%(what)s was added to your cart.") % {"what": item.distribution_name})
            except CheckoutError as exc:
                errors = {"form": str(exc)}
        else:
            errors = errors_by_field(form)
    status = 429 if posted and form.too_many_tries else 400 if errors else 200
    context = {"categories": categories, "category": form.chosen_category, "distribution": form.chosen_distribution,
               "errors": errors, "data": data, "guest": guest,
               **checkout_context(request, amount=amount_preview(data.get("amount")), blocked=set())}
    return render(request, "pay/other.html", context, status=status)
