"""Paying: a utility bill, other payments, as a guest, from the cart; the wallet; confirmation."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cows_bridge import client as cows
from cows_bridge.errors import CowsError

from . import checkout, webhooks
from ..accounts.access import access_account
from .checkout import CheckoutError, ItemSpec, MethodSpec
from ..formatting import money
from .models import CartItem, Payment, PaymentItem, PaymentSettings
from .providers import payment_settings


# --- helpers ------------------------------------------------------------------------------------

def payment_page(view):
    """Payment pages are never cached (the CSP header, with Stripe's sources, is every page's: portal/csp.py)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return never_cache(wrapper)


def _saved_methods(request):
    if not request.user.is_authenticated:
        return []
    return list(request.tenant.payment_methods.filter(user=request.user, deleted_at__isnull=True).order_by("-created_at"))


def _method_from_post(request) -> MethodSpec:
    choice = request.POST.get("method", "")
    if choice.startswith("saved-"):
        try:
            method_id = int(choice.removeprefix("saved-"))
        except ValueError:
            raise CheckoutError(_("Choose a payment method.")) from None
        saved = next((m for m in _saved_methods(request) if m.id == method_id), None)
        if saved is None:
            raise CheckoutError(_("Choose a payment method."))
        return MethodSpec(saved=saved)
    if choice in ("new-card", "new-ach"):
        return MethodSpec(token=request.POST.get("new_token", "").strip(),
                          save=request.POST.get("save_method") == "on" and request.user.is_authenticated)
    raise CheckoutError(_("Choose a payment method."))


def _provider_context(request) -> dict:
    s = payment_settings(request.tenant)
    ctx = {"provider": s.provider, "tokenize_url": reverse("sandboxpay:tokenize")}
    if s.provider == PaymentSettings.Provider.STRIPE:
        ctx.update({"stripe_js_url": settings.STRIPE_JS_URL, "stripe_publishable_key": s.stripe_publishable_key})
    return ctx


def _fee_rows(tenant, amount: Decimal | None, blocked: set[str]) -> list[dict]:
    if amount is None or amount <= 0:
        return []
    fees = checkout.fees_for(tenant=tenant, amount=amount)
    rows = []
    for kind, label in (("card", _("Card")), ("ach", _("Bank account (ACH)"))):
        if kind in blocked:
            continue
        rows.append({"kind": kind, "label": label, "fee": money(fees[kind]), "total": money(amount + fees[kind])})
    return rows


def _checkout_context(request, *, amount: Decimal | None, blocked: set[str]) -> dict:
    methods = _saved_methods(request)
    return {"methods": methods, "blocked": blocked, "fee_rows": _fee_rows(request.tenant, amount, blocked),
            "settings_": payment_settings(request.tenant), **_provider_context(request)}


def _access_payment(request, reference: str) -> Payment:
    payment = request.tenant.payments.filter(reference=reference).select_related("tenant").first()
    if payment is None:
        raise Http404
    if payment.user_id:
        if not request.user.is_authenticated or payment.user_id != request.user.id:
            raise Http404
    elif not request.session.session_key or payment.session_key != request.session.session_key:
        raise Http404
    return payment


def _session_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def _cart_items(request):
    items = request.tenant.cart_items
    if request.user.is_authenticated:
        return items.filter(user=request.user)
    return items.filter(user__isnull=True, session_key=_session_key(request))


def _current_summary(request, account_key: str):
    """The account as COWS has it now (for the amount and the UDF blocks); the snapshot if COWS is down."""
    from ..accounts.snapshots import store_summary

    try:
        summary = cows.get_account(request.tenant, account_key)
    except CowsError:
        return access_account(request, account_key).summary
    store_summary(tenant=request.tenant, summary=summary)
    return summary


# --- a utility bill -------------------------------------------------------------------------------

@login_required
@payment_page
@require_http_methods(["GET", "POST"])
def pay_account(request, account_key: str):
    """Make a Payment: amount, payment type (fee shown for each), then confirm."""
    access_account(request, account_key)
    summary = _current_summary(request, account_key)
    if summary is None:
        raise Http404
    blocked = checkout.blocked_kinds(tenant=request.tenant, summaries=[summary])
    settings_ = payment_settings(request.tenant)
    amount_text = request.POST.get("amount") if request.method == "POST" else (
        f"{summary.balance_due:.2f}" if summary.balance_due > 0 else "")
    error = ""
    if request.method == "POST":
        try:
            amount = checkout.parse_amount(amount_text)
            item = ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=amount, account_key=account_key,
                            customer_number=summary.customer_number, summary=summary)
            if request.POST.get("action") == "cart" and settings_.allow_shopping_cart:
                checkout.check_amount(tenant=request.tenant, item=item)
                _add_to_cart(request, item)
                messages.success(request, _("Account %(number)s was added to your cart.") % {"number": summary.customer_number})
                return redirect("pay:cart")
            payment = checkout.start_checkout(tenant=request.tenant, items=[item], method=_method_from_post(request),
                                              user=request.user, session_key=_session_key(request))
        except CheckoutError as exc:
            error = str(exc)
        else:
            return redirect("pay:confirm", reference=payment.reference)
    try:
        preview = checkout.parse_amount(amount_text) if amount_text else None
    except CheckoutError:
        preview = None
    context = {"summary": summary, "account_key": account_key, "amount_text": amount_text or "", "error": error,
               **_checkout_context(request, amount=preview, blocked=blocked)}
    return render(request, "pay/pay_account.html", context, status=400 if error else 200)


@require_GET
def fees(request):
    """The fee of each payment type for an amount (the page updates it as the amount is typed)."""
    if request.tenant is None:
        raise Http404
    try:
        amount = checkout.parse_amount(request.GET.get("amount"))
    except CheckoutError as exc:
        return render(request, "pay/_fees.html", {"fee_rows": [], "fee_error": str(exc)})
    blocked = set(request.GET.getlist("blocked")) & {"card", "ach"}
    return render(request, "pay/_fees.html", {"fee_rows": _fee_rows(request.tenant, amount, blocked)})


# --- confirmation ----------------------------------------------------------------------------------

@payment_page
@require_http_methods(["GET", "POST"])
def confirm(request, reference: str):
    """Review amount, fee and total, then Pay. Pressing Pay twice (or twenty times) charges once."""
    payment = _access_payment(request, reference)
    stripe_pending = (Payment.State.PROCESSING, PaymentSettings.Provider.STRIPE)
    if request.method == "POST":
        payment = checkout.confirm_payment(payment=payment, actor=request.user)
        if (payment.state, payment.provider) == stripe_pending:
            return redirect("pay:confirm", reference=payment.reference)  # Stripe may want 3-D Secure first
        if payment.state == Payment.State.FAILED:
            messages.error(request, payment.failure_reason)
        return redirect("pay:result", reference=payment.reference)
    if (payment.state, payment.provider) == stripe_pending:
        payment, client_secret = webhooks.refresh_payment(payment=payment)
        if client_secret:  # the card's bank wants the customer to verify: Stripe.js does it on this page
            return render(request, "pay/stripe_verify.html", {"payment": payment, "client_secret": client_secret,
                                                              **_provider_context(request)})
        if payment.state == Payment.State.FAILED:
            messages.error(request, payment.failure_reason)
    if payment.state != Payment.State.CREATED:
        return redirect("pay:result", reference=payment.reference)
    return render(request, "pay/confirm.html", {"payment": payment, "items": list(payment.items.all()),
                                                 **_provider_context(request)})


@payment_page
@require_GET
def result(request, reference: str):
    """The payment confirmation: amount, fee, total, method, and confirmation numbers once posted."""
    payment = _access_payment(request, reference)
    return render(request, "pay/result.html", {"payment": payment, "items": list(payment.items.all()),
                                                "settings_": payment_settings(request.tenant)})


# --- the wallet --------------------------------------------------------------------------------------

@login_required
@require_GET
def wallet(request):
    """Saved payment methods: the user's own, whatever accounts they pay."""
    return render(request, "pay/wallet.html", {"methods": _saved_methods(request)})


@login_required
@require_POST
def delete_method(request, method_id: int):
    method = request.tenant.payment_methods.filter(user=request.user, pk=method_id, deleted_at__isnull=True).first()
    if method is None:
        raise Http404
    checkout.delete_method(method=method, acting_user=request.user)
    messages.success(request, _("%(method)s was removed from your wallet.") % {"method": method.label})
    return redirect("pay:wallet")


# --- the cart ------------------------------------------------------------------------------------------

def _add_to_cart(request, item: ItemSpec) -> CartItem:
    return CartItem.objects.create(
        tenant=request.tenant, user=request.user if request.user.is_authenticated else None,
        session_key="" if request.user.is_authenticated else _session_key(request), kind=item.kind,
        account_key=item.account_key, customer_number=item.customer_number, category=item.category,
        category_name=item.category_name, distribution=item.distribution, distribution_name=item.distribution_name,
        category_reference=item.category_reference, payor=item.payor, comment=item.comment, amount=item.amount)


@payment_page
@require_http_methods(["GET", "POST"])
def cart(request):
    """Several accounts and other payments, paid at once; each becomes its own receipt."""
    if request.tenant is None or not payment_settings(request.tenant).allow_shopping_cart:
        raise Http404
    if not request.user.is_authenticated and not payment_settings(request.tenant).allow_guest_payments:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    items = list(_cart_items(request).order_by("added_at", "id"))
    total = sum((i.amount for i in items), Decimal("0.00"))
    summaries = []
    for i in items:
        if i.kind == PaymentItem.Kind.UTILITY:
            snap = request.tenant.account_snapshots.filter(account_key=i.account_key).first()
            if snap:
                from cows_bridge.types import AccountSummary

                summaries.append(AccountSummary.from_json(snap.data))
    blocked = checkout.blocked_kinds(tenant=request.tenant, summaries=summaries)
    error = ""
    if request.method == "POST" and items:
        specs = [ItemSpec(kind=i.kind, amount=i.amount, account_key=i.account_key, customer_number=i.customer_number,
                          category=i.category, category_name=i.category_name, distribution=i.distribution,
                          distribution_name=i.distribution_name, category_reference=i.category_reference,
                          payor=i.payor, comment=i.comment,
                          # The accounts as they are now: balance limits and the office's UDF blocks.
                          summary=_current_summary(request, i.account_key)
                          if i.kind == PaymentItem.Kind.UTILITY and request.user.is_authenticated else None)
                 for i in items]
        try:
            payment = checkout.start_checkout(
                tenant=request.tenant, items=specs, method=_method_from_post(request), user=request.user,
                session_key=_session_key(request), payer_email=request.POST.get("email", "").strip(),
                payer_name=request.POST.get("name", "").strip())
        except CheckoutError as exc:
            error = str(exc)
        else:
            _cart_items(request).delete()
            return redirect("pay:confirm", reference=payment.reference)
    context = {"items": items, "total": money(total), "error": error,
               **_checkout_context(request, amount=total if items else None, blocked=blocked)}
    return render(request, "pay/cart.html", context, status=400 if error else 200)


@require_POST
def remove_from_cart(request, item_id: int):
    if request.tenant is None:
        raise Http404
    item = _cart_items(request).filter(pk=item_id).first()
    if item is None:
        raise Http404
    item.delete()
    messages.success(request, _("Removed from your cart."))
    return redirect("pay:cart")


# --- other payments and pay as guest ------------------------------------------------------------------

def _categories(request) -> list:
    """The office's categories that have a distribution allowing portal payments (cached briefly)."""
    from django.core.cache import cache

    key = f"cr-categories:{request.tenant.id}"
    data = cache.get(key)
    if data is None:
        data = [c for c in cows.get_categories(request.tenant) if c.portal_distributions]
        cache.set(key, data, 300)
    return data


@payment_page
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
    data = request.POST if request.method == "POST" else request.GET
    category = next((c for c in categories if c.code == data.get("category")), None)
    distribution = None
    if category is not None:
        distribution = next((d for d in category.portal_distributions if d.code == data.get("distribution")), None)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if category is None:
            errors["category"] = _("Choose a department.")
        elif distribution is None:
            errors["distribution"] = _("Choose a payment type.")
        reference = data.get("category_reference", "").strip()[:60]
        payor = data.get("payor", "").strip()[:120]
        comment = data.get("comment", "").strip()[:500]
        email = data.get("email", "").strip()[:254]
        if category is not None and distribution is not None:
            if category.interfaced:
                if not reference:
                    errors["category_reference"] = _("Enter the %(label)s.") % {"label": category.reference_label.lower()}
                else:
                    try:
                        valid, found_payor = cows.validate_reference(request.tenant, category=category.code,
                                                                     distribution=distribution.code, reference=reference)
                    except CowsError:
                        errors["category_reference"] = _("We can't check that number right now. Please try again in a few minutes.")
                    else:
                        if not valid:
                            errors["category_reference"] = _("We couldn't find %(label)s %(ref)s. Check it and try again.") % {
                                "label": category.reference_label.lower(), "ref": reference}
                        else:
                            payor = payor or found_payor
            elif not payor:
                errors["payor"] = _("Enter the name of the person or business paying.")
        if settings_.require_comment_for_other_payments and not comment:
            errors["comment"] = _("Add a comment so the office can match your payment.")
        if guest:
            from django.core.validators import validate_email
            from django.core.exceptions import ValidationError

            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = _("Enter your email address for the receipt.")
        try:
            amount = checkout.parse_amount(data.get("amount"))
        except CheckoutError as exc:
            errors["amount"] = str(exc)
            amount = None
        if not errors:
            item = ItemSpec(kind=PaymentItem.Kind.MISC, amount=amount, category=category.code,
                            category_name=category.name, distribution=distribution.code,
                            distribution_name=distribution.name, category_reference=reference if category.interfaced else "",
                            payor=payor, comment=comment)
            try:
                checkout.check_amount(tenant=request.tenant, item=item)
                if data.get("action") == "cart" and settings_.allow_shopping_cart:
                    _add_to_cart(request, item)
                    messages.success(request, _("%(what)s was added to your cart.") % {"what": distribution.name})
                    return redirect("pay:cart")
                payment = checkout.start_checkout(tenant=request.tenant, items=[item], method=_method_from_post(request),
                                                  user=request.user, session_key=_session_key(request),
                                                  payer_email=email, payer_name=payor)
            except CheckoutError as exc:
                errors["form"] = str(exc)
            else:
                return redirect("pay:confirm", reference=payment.reference)
    try:
        preview = checkout.parse_amount(data.get("amount")) if data.get("amount") else None
    except CheckoutError:
        preview = None
    context = {"categories": categories, "category": category, "distribution": distribution, "errors": errors,
               "data": data, "guest": guest, **_checkout_context(request, amount=preview, blocked=set())}
    return render(request, "pay/other.html", context, status=400 if errors and request.method == "POST" else 200)
