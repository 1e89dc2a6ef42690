"""Turning AutoPay on, or changing it in place: 1 Schedule, then 2 Payment Method and the authorization.

Each step looks the account up with the access helper (404 for "missing" and "not yours" alike),
reads it from Caselle, and carries the choices so far signed (flow.Choices); the last step makes
the one domain call (flow.submit: enrollment.enroll or enrollment.change).
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.core.internal.httpkit import get_client_ip
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.accounts.access import access_account
from billing.formatting import money
from billing.payments.availability import payments_set_up
from billing.payments.checkout import blocked_kinds
from billing.payments.providers import payment_settings
from billing.payments.view_helpers import fee_rows, payment_page, provider_context

from . import flow
from .enrollment import AutoPayRefused, authorization_text
from .forms import AuthorizeForm, ScheduleForm
from .selectors import schedule_words

def step_url(name: str, account_key: str, choices: flow.Choices, user) -> str:
    return reverse(name, args=[account_key]) + "?" + urlencode({"choices": choices.signed(user=user)})


def _stopped(request, account, message: str, *, status: int = 200):
    """AutoPay cannot go on from here: say why, and where to go."""
    return render(request, "autopay/stopped.html", {"account": account, "message": message}, status=status)


def _restart(request, account):
    return _stopped(request, account, _("These choices are too old, or were not made on this page. Please start "
                                        "again."))


def _context(request, account, summary, choices=None, **more) -> dict:
    mine = flow.own_enrollment(tenant=request.tenant, user=request.user, account_key=account.key)
    return {"account": account, "summary": summary, "changing": mine is not None, "choices": choices,
            "schedule": schedule_words(choices.days_before_due, choices.max_amount) if choices else "",
            "settings_": payment_settings(request.tenant), **more}


@login_required
@payment_page
@payments_set_up
@require_http_methods(["GET", "POST"])
def enroll(request, account_key: str):
    """Step 1, Schedule: days prior to the due date and the maximum (prefilled when changing)."""
    account = access_account(request, account_key)
    try:
        summary = flow.start(tenant=request.tenant, user=request.user, account_key=account_key)
    except AutoPayRefused as exc:
        return _stopped(request, account, exc.message)
    prefill = flow.load_choices(request.GET.get("choices"), user=request.user, account_key=account_key)
    mine = flow.own_enrollment(tenant=request.tenant, user=request.user, account_key=account_key)
    if prefill is None and mine is not None:
        prefill = flow.Choices(account_key=account_key, days_before_due=mine.days_before_due,
                               max_amount=mine.max_amount)
    form = ScheduleForm(request.POST or None, limit=flow.days_limit(request.tenant),
                        initial=ScheduleForm.initial_from(prefill))
    if request.method == "POST" and form.is_valid():
        return redirect(step_url("autopay:method", account_key, form.choices(account_key=account_key), request.user))
    return render(request, "autopay/schedule.html", _context(request, account, summary, form=form),
                  status=400 if form.errors else 200)


def _fees(request, summary, blocked) -> dict:
    amount = flow.amount_due(summary)
    if amount > 0:
        return {"fee_rows": fee_rows(request.tenant, amount, blocked),
                "fee_caption": _("The service fee each AutoPay payment adds, on %(amount)s due now")
                % {"amount": money(amount)}}
    rules = [_("by card: %(rule)s") % {"rule": flow.fee_rule(request.tenant, "card")} if "card" not in blocked else "",
             _("by bank account: %(rule)s") % {"rule": flow.fee_rule(request.tenant, "ach")} if "ach" not in blocked
             else ""]
    return {"fee_note": _("Each AutoPay payment adds a service fee, %(rules)s.")
            % {"rules": "; ".join(r for r in rules if r)}}


@login_required
@payment_page
@payments_set_up
@require_http_methods(["GET", "POST"])
def method(request, account_key: str):
    """Step 2, Payment Method: a saved one, or a new card or bank account kept in the wallet."""
    account = access_account(request, account_key)
    choices = flow.load_choices(request.POST.get("choices") or request.GET.get("choices"), user=request.user,
                                account_key=account_key)
    if choices is None:
        return _restart(request, account)
    try:
        summary = flow.start(tenant=request.tenant, user=request.user, account_key=account_key)
    except AutoPayRefused as exc:
        return _stopped(request, account, exc.message)
    error = None
    if request.method == "POST":
        try:
            picked = flow.pick_method(tenant=request.tenant, user=request.user, summary=summary, choices=choices,
                                      choice=request.POST.get("method", ""),
                                      token=request.POST.get("new_token", "").strip())
        except AutoPayRefused as exc:
            error = exc
        else:
            return redirect(step_url("autopay:authorize", account_key, choices.with_method(picked), request.user))
    blocked = blocked_kinds(tenant=request.tenant, summaries=[summary])
    context = _context(request, account, summary, choices, error=error, blocked=blocked, always_saved=True,
                       methods=flow.usable_methods(tenant=request.tenant, user=request.user),
                       signed=choices.signed(user=request.user), **_fees(request, summary, blocked),
                       **provider_context(request))
    return render(request, "autopay/method.html", context, status=400 if error else 200)


@login_required
@payment_page
@payments_set_up
@require_http_methods(["GET", "POST"])
def authorize(request, account_key: str):
    """Step 2, the authorization: the exact terms for these choices, "I authorize", then Schedule AutoPay."""
    account = access_account(request, account_key)
    choices = flow.load_choices(request.POST.get("choices") or request.GET.get("choices"), user=request.user,
                                account_key=account_key)
    if choices is None or choices.method_id is None:
        return _restart(request, account)
    try:
        summary = flow.start(tenant=request.tenant, user=request.user, account_key=account_key)
    except AutoPayRefused as exc:
        return _stopped(request, account, exc.message)
    chosen = flow.chosen_method(tenant=request.tenant, user=request.user, choices=choices)
    if chosen is None:
        return _stopped(request, account, _("That payment method is no longer in your wallet. Please start again."))
    text = authorization_text(tenant=request.tenant, customer_number=summary.customer_number, method=chosen,
                              days_before_due=choices.days_before_due, max_amount=choices.max_amount)
    form = AuthorizeForm(request.POST or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            done = flow.submit(tenant=request.tenant, user=request.user, summary=summary, choices=choices,
                               method=chosen, accepted_text=form.cleaned_data["accepted_text"],
                               ip_address=get_client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))
        except AutoPayRefused as exc:
            refused = exc
        else:
            today = timezone.localdate(timezone=request.tenant.zone)
            messages.success(request, flow.outcome_message(done, today=today))
            return redirect("autopay:manage", account_key=account_key)
    today = timezone.localdate(timezone=request.tenant.zone)
    context = _context(request, account, summary, choices, form=form, refused=refused, method=chosen, text=text,
                       signed=choices.signed(user=request.user), fee_rule=flow.fee_rule(request.tenant, chosen.kind),
                       preview=flow.preview(tenant=request.tenant, summary=summary, choices=choices, method=chosen,
                                            today=today),
                       schedule_url=step_url("autopay:enroll", account_key, choices, request.user),
                       method_url=step_url("autopay:method", account_key, choices, request.user))
    return render(request, "autopay/authorize.html", context, status=400 if form.errors or refused else 200)
