"""The office's AutoPay screens: Scheduled Payments (with Schedule Payments and the settings) and Customer AutoPay."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autopay import enrollment as autopay_enrollment
from autopay import after_close, invitations, scheduling
from autopay import settings as autopay_settings_domain
from autopay.enrollment import AutoPayRefused
from cows_bridge.types import normalize_customer_number
from portal.access import office_admin_required

from . import audit, exports
from . import autopay_selectors as selectors
from .autopay_forms import AutoPaySettingsForm, FindAccountForm, InviteForm, refusal_to_form
from .autopay_rows import enrollment_row, invitation_row, scheduled_row, waiting_reason
from .filters import EnrollmentFilter, ScheduledPaymentFilter
from .listing import export, list_page

WAITING_SHOWN = 500


def _who_ran(run) -> str:
    """A clerk by email; the automatic run and the command as the office reads them."""
    if run.actor_user_id:
        return run.actor_user.email
    if run.actor.startswith("task:"):
        return _("the portal, automatically after the period closed")
    if run.actor.startswith("command:"):
        return _("the %(command)s command") % {"command": run.actor[len("command:"):]}
    return run.actor


def _run_summary(run, zone) -> dict | None:
    if run is None:
        return None
    return {"period": run.period_label, "started_at": timezone.localtime(run.started_at, zone), "who": _who_ran(run),
            "finished": run.finished_at is not None, "scheduled": run.scheduled, "charged_now": run.charged_now,
            "no_balance": run.no_balance, "already": run.already, "refused": run.refused}


def _scheduled_screen(request, *, settings_form: AutoPaySettingsForm | None = None, status: int = 200):
    tenant = request.tenant
    listing = list_page(request, ScheduledPaymentFilter, selectors.scheduled_payments(tenant=tenant))
    waiting = list(selectors.waiting_enrollments(tenant=tenant)[:WAITING_SHOWN])
    context = {
        "run": _run_summary(selectors.last_run(tenant=tenant), tenant.zone),
        "waiting_schedule": after_close.waiting_notice(tenant=tenant),
        "form": listing.form, "page": listing.page, "rows": [scheduled_row(sp) for sp in listing.page.object_list],
        "waiting": [{**enrollment_row(e), "reason": waiting_reason(e)} for e in waiting],
        "waiting_more": len(waiting) == WAITING_SHOWN,
        "settings_form": settings_form or AutoPaySettingsForm(instance=selectors.settings_for_edit(tenant=tenant)),
    }
    return render(request, "adminpanel/autopay_scheduled.html", context, status=status)


@office_admin_required
@never_cache
@require_GET
def scheduled(request):
    """Scheduled Payments: the last run and its button, every AutoPay payment (filtered), and who waits."""
    return _scheduled_screen(request)


@office_admin_required
@require_POST
def schedule(request):
    """Schedule Payments: the last closed period's AutoPay payments, once, with the clerk as actor."""
    try:
        run = scheduling.schedule_payments(tenant=request.tenant, actor="clerk", actor_user=request.user)
    except scheduling.ScheduleRefused as refused:
        messages.error(request, refused.message)
    else:
        audit.record(request, "autopay.schedule", _("Scheduled AutoPay payments for period %(period)s: %(scheduled)d "
                                                     "scheduled, %(now)d due now") % {
            "period": run.period_label, "scheduled": run.scheduled, "now": run.charged_now},
            target=_("period %(period)s") % {"period": run.period_label})
        messages.success(request, _(
            "Period %(period)s is scheduled: %(scheduled)d scheduled, %(now)d due now (charged from the charge hour), %(none)d with no "
            "balance, %(already)d already scheduled, %(refused)d refused.") % {
            "period": run.period_label, "scheduled": run.scheduled, "now": run.charged_now, "none": run.no_balance,
            "already": run.already, "refused": len(run.refused)})
    return redirect("adminpanel:autopay")


@office_admin_required
@require_GET
def scheduled_export(request):
    """Export to Excel: exactly the Scheduled/Previous Payments the filters select."""
    return export(request, ScheduledPaymentFilter, selectors.scheduled_payments(tenant=request.tenant),
                  name="autopay-payments", title=_("AutoPay payments"), columns=exports.scheduled_payment_columns(),
                  row=scheduled_row)


@office_admin_required
@require_POST
def save_settings(request):
    """AutoPay settings: saved through autopay's domain; a refused form saves nothing."""
    current = selectors.settings_for_edit(tenant=request.tenant)
    before = audit.snapshot(current, autopay_settings_domain.FIELDS)
    form = AutoPaySettingsForm(request.POST, instance=current)
    if form.is_valid():
        try:
            saved = autopay_settings_domain.update_autopay_settings(tenant=request.tenant, changes=form.changes(),
                                                                    acting_user=request.user)
        except AutoPayRefused as refused:
            refusal_to_form(form, refused)
        else:
            audit.record_changes(request, "settings.autopay", _("Changed the AutoPay settings"),
                                 before, audit.snapshot(saved, autopay_settings_domain.FIELDS))
            messages.success(request, _("The AutoPay settings were saved."))
            return redirect("adminpanel:autopay")
    return _scheduled_screen(request, settings_form=form, status=400)


@office_admin_required
@never_cache
@require_GET
def customers(request):
    """Customer AutoPay: every account on AutoPay now, and the invitations not yet accepted."""
    listing = list_page(request, EnrollmentFilter, selectors.live_enrollments(tenant=request.tenant))
    invites = [invitation_row(i, request.tenant.zone) for i in selectors.pending_invitations(tenant=request.tenant)]
    return render(request, "adminpanel/autopay_customers.html", {
        "form": listing.form, "page": listing.page, "invitations": invites,
        "rows": [enrollment_row(e) for e in listing.page.object_list]})


def _invite_form(request, *, account_key: str, data=None, initial=None) -> InviteForm:
    return InviteForm(data, initial=initial, tenant=request.tenant,
                      users=selectors.linked_users(tenant=request.tenant, account_key=account_key))


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def enroll(request):
    """Enroll Customer: find the account (GET), then invite a person linked to it or an email address (POST)."""
    if request.method == "POST":
        number = request.POST.get("customer_number", "")
        find = FindAccountForm(initial={"customer_number": number}, tenant=request.tenant)
        invite = _invite_form(request, account_key=normalize_customer_number(number), data=request.POST)
        if invite.is_valid():
            try:  # invite() checks the account in Caselle again: it may have changed since step 1
                sent = invitations.invite(tenant=request.tenant, customer_number=invite.cleaned_data["customer_number"],
                                          email=invite.cleaned_data["invite_email"],
                                          days_before_due=invite.cleaned_data["days_before_due"],
                                          max_amount=invite.cleaned_data["max_amount"], acting_user=request.user)
            except AutoPayRefused as refused:
                refusal_to_form(invite, refused)
            else:
                audit.record(request, "autopay.invite", _("Sent an AutoPay invitation to %(email)s") % {
                    "email": sent.email}, target=_("account %(number)s") % {"number": sent.customer_number})
                messages.success(request, _("An AutoPay invitation for account %(number)s was sent to %(email)s.")
                                 % {"number": sent.customer_number, "email": sent.email})
                return redirect("adminpanel:autopay_customers")
        context = {"find": find, "invite": invite, "summary": None, "customer_number": number}
        return render(request, "adminpanel/autopay_enroll.html", context, status=400)
    find = FindAccountForm(request.GET if "customer_number" in request.GET else None, tenant=request.tenant)
    invite = None
    if find.is_bound and find.is_valid():
        invite = _invite_form(request, account_key=find.summary.key,
                              initial={"customer_number": find.summary.customer_number})
    context = {"find": find, "invite": invite, "summary": find.summary,
               "customer_number": find.summary.customer_number if find.summary else ""}
    return render(request, "adminpanel/autopay_enroll.html", context, status=400 if find.errors else 200)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def unenroll(request, enrollment_id: int):
    """Unenroll on the customer's behalf: asks to confirm, then ends AutoPay with the clerk recorded."""
    found = selectors.access_enrollment(tenant=request.tenant, enrollment_id=enrollment_id)
    if request.method == "POST":
        cancelled = autopay_enrollment.unenroll(enrollment=found, acting_user=request.user,
                                                reason="unenrolled by the office")
        audit.record(request, "autopay.unenroll", _("Turned AutoPay off for %(email)s; %(count)d pending payments "
                                                    "cancelled") % {"email": found.user.email, "count": cancelled},
                     target=_("account %(number)s") % {"number": found.customer_number})
        messages.success(request, ngettext(
            "AutoPay is off for account %(number)s; %(count)d pending payment was cancelled.",
            "AutoPay is off for account %(number)s; %(count)d pending payments were cancelled.", cancelled)
            % {"number": found.customer_number, "count": cancelled})
        return redirect("adminpanel:autopay_customers")
    return render(request, "adminpanel/autopay_unenroll.html", {"row": enrollment_row(found)})
