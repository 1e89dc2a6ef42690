"""Manage AutoPay (the customer's screen per account), turning it off, and the office's invitation.

The two steps of turning it on or changing it are in step_views.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.accounts.access import access_account
from billing.accounts.snapshots import visible_account_keys
from billing.payments.providers import payment_settings

from . import flow, selectors
from .enrollment import AutoPayRefused


@login_required
@require_GET
def manage(request, account_key: str):
    """AutoPay On/Off for one account, its schedule and method, the next payment and every AutoPay payment."""
    account = access_account(request, account_key)
    autopay = selectors.account_autopay(tenant=request.tenant, user=request.user, account_key=account_key)
    context = {"account": account, "autopay": autopay, "settings_": payment_settings(request.tenant),
               "schedule": selectors.schedule_text(autopay.enrollment) if autopay.mine else ""}
    if request.GET.get("turn_off") and autopay.mine:
        return render(request, "autopay/turn_off.html", context)
    return render(request, "autopay/manage.html", context)


@login_required
@require_POST
def unenroll(request, account_key: str):
    """Turn AutoPay off (after the confirmation on the manage page); says what was cancelled."""
    access_account(request, account_key)
    enrollment = flow.own_enrollment(tenant=request.tenant, user=request.user, account_key=account_key)
    if enrollment is None:
        messages.info(request, _("AutoPay was not on under your name for this account, so nothing changed."))
        return redirect("autopay:manage", account_key=account_key)
    if request.POST.get("confirm") != "yes":
        return redirect(reverse("autopay:manage", args=[account_key]) + "?turn_off=1")
    messages.success(request, flow.turn_off(enrollment=enrollment, acting_user=request.user))
    return redirect("autopay:manage", account_key=account_key)


@login_required
@require_GET
def invitation(request, token: str):
    """The office's invitation: for the person it was sent to, with the account linked; then step 2."""
    try:
        found = flow.invitation_for(tenant=request.tenant, user=request.user, token=token)
    except AutoPayRefused as exc:
        return render(request, "autopay/invitation_other.html", {"message": exc.message}, status=404)
    if found is None:
        raise Http404
    if found.account_key not in visible_account_keys(tenant=request.tenant, user=request.user):
        messages.info(request, _("First link account %(number)s to your profile: you will come back here to finish "
                                 "turning on AutoPay.") % {"number": found.customer_number})
        return redirect(reverse("linking:link") + "?" + urlencode({"next": request.path}))
    choices = flow.Choices(account_key=found.account_key, days_before_due=found.days_before_due,
                           max_amount=found.max_amount, invitation=token)
    next_url = reverse("autopay:method", args=[found.account_key]) + "?" + urlencode(
        {"choices": choices.signed(user=request.user)})
    schedule = selectors.schedule_words(found.days_before_due, found.max_amount)
    return render(request, "autopay/invitation.html", {"invitation": found, "next_url": next_url, "schedule": schedule})
