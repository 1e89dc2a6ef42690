from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.formatting import money, payer
from billing.payments import late_success
from billing.payments import settings as payment_settings_domain
from billing.payments.models import Payment, PaymentMethod, PaymentSettings
from portal.access import office_admin_required

from . import audit, exports, selectors, services
from .filters import CompletedPaymentFilter
from .forms import FeePreviewForm, PaymentSettingsForm
from .listing import export, list_page

PENDING_SHOWN = 500


def _list_url(name: str, **query) -> str:
    """The address of an office list, with its filters."""
    url = reverse(f"adminpanel:{name}")
    return f"{url}?{urlencode(query)}" if query else url


@office_admin_required
@never_cache
@require_GET
def overview(request):
    """Overview: the portal's figures (members, accounts, paperless, AutoPay, payments, Pending, COWS), each a link."""
    figures = selectors.portal_overview(tenant=request.tenant)
    today, start = figures["today"].isoformat(), figures["period"].start.isoformat()
    links = {"members": _list_url("portal_members"), "linked": _list_url("portal_users"),
             "paperless": _list_url("portal_users", bills="email"), "admins": _list_url("staff"),
             "autopay": _list_url("autopay_customers"), "pending": _list_url("pending"),
             "today": _list_url("payments", date_from=today, date_to=today, state="received"),
             "period": _list_url("payments", date_from=start, date_to=today, state="received"),
             "cows": _list_url("cows_settings"),
             "emails": _list_url("email_log", date_from=today, date_to=today)}
    return render(request, "adminpanel/overview.html", {**figures, "links": links})


# --- Pending Payments -------------------------------------------------------------------------------

def _charge_row(payment, *, at, **extra) -> dict:
    """One payment as a row of Pending Payments' charge lists, in the city's time."""
    return {"at": timezone.localtime(at), "created_at": timezone.localtime(payment.created_at),
            "reference": payment.reference, "payer": payer(payment), "total": money(payment.total),
            "method": payment.method_label, **extra}


@office_admin_required
@never_cache
@require_GET
def pending(request):
    """Pending Payments: charged, not yet in Cash Receipting. It should always be empty."""
    waiting = selectors.pending_items(tenant=request.tenant)
    items = list(waiting[:PENDING_SHOWN])
    total = len(items) if len(items) < PENDING_SHOWN else waiting.count()
    rows = [{
        "date": timezone.localtime(i.payment.charged_at or i.payment.created_at),
        "reference": i.reference,
        "payment_reference": i.payment.reference,
        "payer": payer(i.payment),
        "what": i.label,
        "amount": money(i.amount),
        "attempts": i.attempts,
        "next_attempt_at": timezone.localtime(i.next_attempt_at) if i.next_attempt_at else None,
        "error": i.last_error,
    } for i in items]
    processing = [_charge_row(p, at=p.created_at) for p in selectors.stuck_processing(tenant=request.tenant)]
    attention = [_charge_row(p, at=p.late_success_at, provider_payment_id=p.late_success_payment_id)
                 for p in late_success.late_successes(tenant=request.tenant)]
    unresolved = [_charge_row(p, at=p.created_at, provider_payment_id=p.provider_payment_id,
                              last_error=p.last_check_error, checks=p.checks)
                  for p in selectors.unresolved_charges(tenant=request.tenant)]
    return render(request, "adminpanel/pending.html", {"rows": rows, "total": total, "processing": processing,
                                                       "attention": attention, "unresolved": unresolved})


@office_admin_required
@require_POST
def retry_pending(request):
    """Retry Now: try to post every waiting payment to Cash Receipting, now."""
    outcome = services.retry_pending_payments(tenant=request.tenant, acting_user=request.user)
    audit.record(request, "payment.retry", _("Retry Now: %(posted)d posted, %(waiting)d still waiting") % {
        "posted": outcome.posted, "waiting": outcome.still_waiting})
    posted = ngettext("%(count)d payment was posted to Cash Receipting.",
                      "%(count)d payments were posted to Cash Receipting.", outcome.posted) % {"count": outcome.posted}
    if outcome.still_waiting:
        waiting = ngettext("%(count)d is still waiting: see its error message below.",
                           "%(count)d are still waiting: see their error messages below.",
                           outcome.still_waiting) % {"count": outcome.still_waiting}
        messages.warning(request, f"{posted} {waiting}")
    elif outcome.posted:
        messages.success(request, f"{posted} {_('Nothing is waiting.')}")
    else:
        messages.info(request, _("Nothing was waiting to be posted."))
    return redirect("adminpanel:pending")


# --- Show Completed Payments -------------------------------------------------------------------------

def _payment_row(payment: Payment) -> dict:
    items = list(payment.items.all())
    return {
        "date": timezone.localtime(payment.charged_at or payment.created_at),
        "reference": payment.reference,
        "payer_name": payment.payer_name,
        "payer_email": payment.payer_email,
        "items": [f"{i.label}: {money(i.amount)}" for i in items],
        "amount": money(payment.amount),
        "fee": money(payment.fee),
        "total": money(payment.total),
        "method": payment.method_label,
        "kind": payment.get_method_kind_display(),
        "state": payment.state,
        "state_label": payment.get_state_display(),
        "failure_reason": payment.failure_reason if payment.state == Payment.State.FAILED else "",
        "confirmations": [i.confirmation_number for i in items if i.confirmation_number],
    }


@office_admin_required
@never_cache
@require_GET
def payments(request):
    """Show Completed Payments: every payment through the provider, newest first, filtered, 50 a page."""
    received = Q(state__in=selectors.RECEIVED_STATES)
    listing = list_page(request, CompletedPaymentFilter, selectors.completed_payments(tenant=request.tenant), totals={
        "count": Count("id", filter=received), "amount": Sum("amount", filter=received),
        "fee": Sum("fee", filter=received), "total": Sum("total", filter=received)})
    totals = listing.totals
    zero = Decimal("0.00")
    context = {
        "form": listing.form, "page": listing.page, "rows": [_payment_row(p) for p in listing.page.object_list],
        "received_count": totals["count"], "received_amount": money(totals["amount"] or zero),
        "received_fee": money(totals["fee"] or zero), "received_total": money(totals["total"] or zero),
    }
    return render(request, "adminpanel/payments.html", context)


@office_admin_required
@require_GET
def payments_export(request):
    """Export to Excel: the filtered payments (every page), as numbers and dates."""
    return export(request, CompletedPaymentFilter, selectors.completed_payments(tenant=request.tenant),
                  name="payments", title=_("Payments"), columns=exports.payment_columns(request.tenant))


# --- Payment settings --------------------------------------------------------------------------------

def _fee_preview(data) -> dict:
    """The fee of a $100 payment by card and by bank account, from the fee fields as typed."""
    amount = Decimal("100.00")
    form = FeePreviewForm(data)
    shown = {"fee_table_id": "fee-preview",
             "fee_caption": _("Service fee on a %(amount)s payment") % {"amount": money(amount)}}
    if not form.is_valid():
        return {**shown, "fee_rows": [], "fee_note": _("Correct the fee fields to see the preview.")}
    schedule = PaymentSettings(**form.cleaned_data)  # unsaved: only its fee_for is used
    rows = []
    for kind in ("card", "ach"):
        fee = schedule.fee_for(kind, amount)
        rows.append({"label": PaymentMethod.Kind(kind).label, "fee": money(fee), "total": money(amount + fee)})
    return {**shown, "fee_rows": rows}


def _fee_data(settings: PaymentSettings) -> dict:
    return {name: getattr(settings, name) for name in FeePreviewForm.base_fields}


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def payment_settings(request):
    """Admin - Payment: service fees (with a live preview), limits, the payment page and complete messages."""
    current = selectors.payment_settings_for_edit(tenant=request.tenant)
    before = audit.snapshot(current, PaymentSettingsForm.Meta.fields)
    form = PaymentSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = payment_settings_domain.update_payment_settings(tenant=request.tenant, changes=form.changes(),
                                                                acting_user=request.user)
        audit.record_changes(request, "settings.payment", _("Changed the payment settings"),
                             before, audit.snapshot(saved, PaymentSettingsForm.Meta.fields))
        messages.success(request, _("The payment settings were saved."))
        return redirect("adminpanel:payment_settings")
    context = {"form": form, **_fee_preview(request.POST if request.method == "POST" else _fee_data(current))}
    return render(request, "adminpanel/payment_settings.html", context, status=400 if form.errors else 200)


@office_admin_required
@require_GET
def fee_preview(request):
    """The live fee preview of the settings page, as the fee fields are typed."""
    return render(request, "pay/_fees.html", _fee_preview(request.GET))
