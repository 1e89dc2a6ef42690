"""Paying a utility bill, the fee table, confirming a payment and its result.

The cart is in cart_views.py, the wallet in wallet_views.py, other payments in other_views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import checkout, webhooks
from ..accounts.access import access_account
from .amounts import CheckoutError, parse_amount
from .availability import payments_set_up
from .checkout import ItemSpec
from .models import Payment, PaymentItem, PaymentSettings
from .providers import payment_settings
from .view_helpers import (access_payment, amount_preview, checkout_context, current_summary, fee_rows,
                           payment_page, pay_or_add, provider_context)


@login_required
@payment_page
@payments_set_up
@require_http_methods(["GET", "POST"])
def pay_account(request, account_key: str):
    """Make a Payment: amount, payment type (fee shown for each), then confirm."""
    access_account(request, account_key)
    summary = current_summary(request, account_key)
    if summary is None:
        raise Http404
    blocked = checkout.blocked_kinds(tenant=request.tenant, summaries=[summary])
    amount_text = request.POST.get("amount") if request.method == "POST" else (
        f"{summary.balance_due:.2f}" if summary.balance_due > 0 else "")
    error = ""
    if request.method == "POST":
        try:
            item = ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=parse_amount(amount_text), account_key=account_key,
                            customer_number=summary.customer_number, summary=summary)
            return pay_or_add(request, item, added=_("Account %(number)s was added to your cart.")
                              % {"number": summary.customer_number})
        except CheckoutError as exc:
            error = str(exc)
    context = {"summary": summary, "account_key": account_key, "amount_text": amount_text or "", "error": error,
               **checkout_context(request, amount=amount_preview(amount_text), blocked=blocked)}
    return render(request, "pay/pay_account.html", context, status=400 if error else 200)


@require_GET
def fees(request):
    """The fee of each payment type for an amount (the page updates it as the amount is typed)."""
    if request.tenant is None:
        raise Http404
    try:
        amount = parse_amount(request.GET.get("amount"))
    except CheckoutError as exc:
        return render(request, "pay/_fees.html", {"fee_rows": [], "fee_error": str(exc)})
    blocked = set(request.GET.getlist("blocked")) & {"card", "ach"}
    return render(request, "pay/_fees.html", {"fee_rows": fee_rows(request.tenant, amount, blocked)})


@payment_page
@payments_set_up
@require_http_methods(["GET", "POST"])
def confirm(request, reference: str):
    """Review amount, fee and total, then Pay. Pressing Pay twice (or twenty times) charges once."""
    payment = access_payment(request, reference)
    stripe_pending = (Payment.State.PROCESSING, PaymentSettings.Provider.STRIPE)
    if request.method == "POST":
        payment = checkout.confirm_payment(payment=payment, actor=request.user)
        if (payment.state, payment.provider) == stripe_pending:
            return redirect("pay:confirm", reference=payment.reference)  # Stripe may want 3-D Secure first
        if payment.state == Payment.State.FAILED:
            messages.error(request, payment.failure_reason)
        return redirect("pay:result", reference=payment.reference)
    if (payment.state, payment.provider) == stripe_pending:
        payment, client_secret = webhooks.refresh_payment(payment=payment, actor=request.user)
        if client_secret:  # the card's bank wants the customer to verify: Stripe.js does it on this page
            return render(request, "pay/stripe_verify.html", {"payment": payment, "client_secret": client_secret,
                                                              **provider_context(request)})
        if payment.state == Payment.State.FAILED:
            messages.error(request, payment.failure_reason)
    if payment.state != Payment.State.CREATED:
        return redirect("pay:result", reference=payment.reference)
    return render(request, "pay/confirm.html", {"payment": payment, "items": list(payment.items.all()),
                                                 **provider_context(request)})


@payment_page
@require_GET
def result(request, reference: str):
    """The payment confirmation: amount, fee, total, method, and confirmation numbers once posted."""
    payment = access_payment(request, reference)
    return render(request, "pay/result.html", {"payment": payment, "items": list(payment.items.all()),
                                                "settings_": payment_settings(request.tenant)})
