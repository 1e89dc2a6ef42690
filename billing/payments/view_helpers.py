"""What the pay pages share: headers, the payer's session and saved methods, the fee table, reading the method."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cows_bridge import client as cows
from cows_bridge.errors import CowsError

from . import cart as shopping_cart, checkout
from ..accounts.access import access_account
from .amounts import CheckoutError, parse_amount
from .checkout import ItemSpec, MethodSpec
from ..formatting import money
from .models import Payment, PaymentSettings
from .providers import payment_settings


def payment_page(view):
    """Payment pages are never cached (the CSP header, with Stripe's sources, is every page's: portal/csp.py)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return never_cache(wrapper)


def saved_methods(request):
    if not request.user.is_authenticated:
        return []
    return list(request.tenant.payment_methods.filter(user=request.user, deleted_at__isnull=True).order_by("-created_at"))


def method_from_post(request) -> MethodSpec:
    choice = request.POST.get("method", "")
    if choice.startswith("saved-"):
        try:
            method_id = int(choice.removeprefix("saved-"))
        except ValueError:
            raise CheckoutError(_("Choose a payment method.")) from None
        saved = next((m for m in saved_methods(request) if m.id == method_id), None)
        if saved is None:
            raise CheckoutError(_("Choose a payment method."))
        return MethodSpec(saved=saved)
    if choice in ("new-card", "new-ach"):
        return MethodSpec(token=request.POST.get("new_token", "").strip(),
                          save=request.POST.get("save_method") == "on" and request.user.is_authenticated)
    raise CheckoutError(_("Choose a payment method."))


def provider_context(request) -> dict:
    s = payment_settings(request.tenant)
    ctx = {"provider": s.provider,
           "tokenize_url": reverse("sandboxpay:tokenize") if s.provider == PaymentSettings.Provider.SANDBOX else ""}
    if s.provider == PaymentSettings.Provider.STRIPE:
        ctx.update({"stripe_js_url": settings.STRIPE_JS_URL, "stripe_publishable_key": s.stripe_publishable_key})
    return ctx


def fee_rows(tenant, amount: Decimal | None, blocked: set[str]) -> list[dict]:
    """One row per payment type the office allows here: its service fee and the total (the fee table partial)."""
    if amount is None or amount <= 0:
        return []
    fees = checkout.fees_for(tenant=tenant, amount=amount)
    rows = []
    for kind, label in (("card", _("Card")), ("ach", _("Bank account (ACH)"))):
        if kind in blocked:
            continue
        rows.append({"kind": kind, "label": label, "fee": money(fees[kind]), "total": money(amount + fees[kind])})
    return rows


def amount_preview(raw) -> Decimal | None:
    """The amount typed so far, for the fee table; None while it is not an amount."""
    try:
        return parse_amount(raw) if raw else None
    except CheckoutError:
        return None


def checkout_context(request, *, amount: Decimal | None, blocked: set[str]) -> dict:
    return {"methods": saved_methods(request), "blocked": blocked, "fee_rows": fee_rows(request.tenant, amount, blocked),
            "settings_": payment_settings(request.tenant), **provider_context(request)}


def access_payment(request, reference: str) -> Payment:
    payment = request.tenant.payments.filter(reference=reference).select_related("tenant").first()
    if payment is None:
        raise Http404
    if payment.user_id:
        if not request.user.is_authenticated or payment.user_id != request.user.id:
            raise Http404
    elif not request.session.session_key or payment.session_key != request.session.session_key:
        raise Http404
    return payment


def session_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def current_summary(request, account_key: str):
    """The account as COWS has it now (for the amount and the UDF blocks); the snapshot if COWS is down."""
    from ..accounts.snapshots import store_summary

    try:
        summary = cows.get_account(request.tenant, account_key)
    except CowsError:
        request.cows_unreachable = True  # the page says its figures are the last ones read
        return access_account(request, account_key).summary
    store_summary(tenant=request.tenant, summary=summary)
    return summary


def pay_or_add(request, item: ItemSpec, *, added: str, payer_email: str = ""):
    """The one domain call of a pay form: into the cart ("Add to cart"), or a checkout to confirm."""
    if request.POST.get("action") == "cart" and payment_settings(request.tenant).allow_shopping_cart:
        shopping_cart.add_to_cart(tenant=request.tenant, item=item, acting_user=request.user,
                                  session_key=session_key(request))
        messages.success(request, added)
        return redirect("pay:cart")
    payment = checkout.start_checkout(tenant=request.tenant, items=[item], method=method_from_post(request),
                                      user=request.user, session_key=session_key(request),
                                      payer_email=payer_email, payer_name=item.payor)
    return redirect("pay:confirm", reference=payment.reference)
