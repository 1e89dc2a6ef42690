"""The cart: several accounts and other payments, paid in one checkout; each becomes its own receipt."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cows_bridge.types import AccountSummary

from . import cart as shopping_cart, checkout
from .amounts import CheckoutError
from .availability import payments_set_up
from ..formatting import money
from .forms import GuestDetailsForm, errors_by_field
from .models import PaymentItem
from .providers import payment_settings
from .view_helpers import checkout_context, current_summary, method_from_post, payment_page, session_key


def _items(request):
    return shopping_cart.cart_items(tenant=request.tenant, user=request.user, session_key=session_key(request))


def _snapshot_summaries(request, items) -> list[AccountSummary]:
    keys = [i.account_key for i in items if i.kind == PaymentItem.Kind.UTILITY]
    snaps = request.tenant.account_snapshots.filter(account_key__in=keys) if keys else []
    return [AccountSummary.from_json(s.data) for s in snaps]


@payment_page
@payments_set_up
@require_http_methods(["GET", "POST"])
def cart(request):
    """Several accounts and other payments, paid at once; each becomes its own receipt."""
    if request.tenant is None or not payment_settings(request.tenant).allow_shopping_cart:
        raise Http404
    if not request.user.is_authenticated and not payment_settings(request.tenant).allow_guest_payments:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    items = list(_items(request).order_by("added_at", "id"))
    total = sum((i.amount for i in items), Decimal("0.00"))
    blocked = checkout.blocked_kinds(tenant=request.tenant, summaries=_snapshot_summaries(request, items))
    guest = None if request.user.is_authenticated else GuestDetailsForm(request.POST or None)
    errors: dict[str, str] = {}
    if request.method == "POST" and items:
        if guest is not None and not guest.is_valid():
            errors = errors_by_field(guest)
        else:
            details = guest.cleaned_data if guest is not None else {}
            # The accounts as they are now: balance limits and the office's UDF blocks.
            specs = [shopping_cart.item_spec(i, summary=current_summary(request, i.account_key)
                                             if i.kind == PaymentItem.Kind.UTILITY and request.user.is_authenticated
                                             else None) for i in items]
            try:
                payment = shopping_cart.check_out_cart(
                    tenant=request.tenant, items=items, specs=specs, method=method_from_post(request),
                    acting_user=request.user, session_key=session_key(request),
                    payer_email=details.get("email", ""), payer_name=details.get("name", ""))
            except CheckoutError as exc:
                errors = {"form": str(exc)}
            else:
                return redirect("pay:confirm", reference=payment.reference)
    context = {"items": items, "total": money(total), "errors": errors, "data": request.POST,
               **checkout_context(request, amount=total if items else None, blocked=blocked)}
    return render(request, "pay/cart.html", context, status=400 if errors else 200)


@require_POST
def remove_from_cart(request, item_id: int):
    if request.tenant is None:
        raise Http404
    item = _items(request).filter(pk=item_id).first()
    if item is None:
        raise Http404
    shopping_cart.remove_from_cart(item=item, acting_user=request.user)
    messages.success(request, _("Removed from your cart."))
    return redirect("pay:cart")
