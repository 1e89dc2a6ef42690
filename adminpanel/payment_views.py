"""One payment for the office: its detail with the whole history, and the late-success actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from billing.formatting import money, payer
from billing.payments import late_success
from billing.payments.models import Payment
from billing.payments.providers import ProviderError
from portal.access import office_admin_required

from . import audit, selectors


def access_payment(request, reference: str) -> Payment:
    """The city's payment with this reference, or 404 (another city's is as missing as none)."""
    payment = selectors.payment_with_history(tenant=request.tenant, reference=reference)
    if payment is None:
        raise Http404
    return payment


def state_name(state: str) -> str:
    return Payment.State(state).label if state in Payment.State.values else state


def actor_label(event) -> str:
    """Who made a move, as the office reads it."""
    label, user = event.actor, event.actor_user
    person = (user.get_full_name() if hasattr(user, "get_full_name") else "") or getattr(user, "email", "")
    if label == "clerk":
        return _("Office: %(person)s") % {"person": person} if person else _("Office")
    if label == "customer":
        return _("Customer: %(person)s") % {"person": person} if person else _("Customer")
    if label == "guest":
        return _("Guest payer")
    if label.startswith("task:"):
        return _("Automatic (%(task)s)") % {"task": label[5:]}
    if label.startswith("webhook:"):
        return _("Notice from %(provider)s") % {"provider": label[8:].title()}
    if label.startswith("provider:"):
        return _("Reported by %(provider)s") % {"provider": label[9:].title()}
    if label == "recovery":
        return _("Recovery of an unanswered charge")
    return label or _("Not recorded")


@office_admin_required
@never_cache
@require_GET
def payment_detail(request, reference: str):
    """A payment: amount, fee, method, items with their receipts, and every change of its state."""
    payment = access_payment(request, reference)
    zone = request.tenant.zone
    items = [{"what": i.label, "amount": money(i.amount), "post_state": i.get_post_state_display(),
              "confirmation": i.confirmation_number, "error": i.last_error, "attempts": i.attempts}
             for i in payment.items.all()]
    events = [{"at": timezone.localtime(e.at, zone), "from": state_name(e.from_state) if e.from_state else "",
               "to": state_name(e.to_state), "reason": e.reason, "who": actor_label(e)}
              for e in payment.events.all()]
    context = {"payment": payment, "payer": payer(payment), "method": payment.method_label,
               "kind": payment.get_method_kind_display(), "amount": money(payment.amount), "fee": money(payment.fee),
               "total": money(payment.total), "state": state_name(payment.state), "items": items, "events": events,
               "created_at": timezone.localtime(payment.created_at, zone),
               "late_success_at": timezone.localtime(payment.late_success_at, zone) if payment.late_success_at else None,
               "needs_decision": payment.state == Payment.State.FAILED and payment.late_success_at is not None}
    return render(request, "adminpanel/payment_detail.html", context)


@office_admin_required
@require_POST
def post_late(request, reference: str):
    """Post it: a late success becomes the payment's charge, and its receipts are posted."""
    payment = access_payment(request, reference)
    try:
        late_success.post_late_success(tenant=request.tenant, payment_id=payment.pk, acting_user=request.user)
    except late_success.AlreadyHandled:
        messages.info(request, _("Payment %(reference)s was already handled.") % {"reference": reference})
    else:
        audit.record(request, "payment.post_late", _("Posted a late success to Cash Receipting"), target=reference)
        messages.success(request, _("Payment %(reference)s is received and will be posted to Cash Receipting.")
                         % {"reference": reference})
    return redirect("adminpanel:pending")


@office_admin_required
@require_POST
def refund_late(request, reference: str):
    """Refund it: the money taken late goes back to the payer."""
    payment = access_payment(request, reference)
    try:
        late_success.refund_late_success(tenant=request.tenant, payment_id=payment.pk, acting_user=request.user)
    except late_success.AlreadyHandled:
        messages.info(request, _("Payment %(reference)s was already handled.") % {"reference": reference})
    except ProviderError:
        messages.error(request, _("The payment provider could not refund %(reference)s just now. Nothing was "
                                  "changed; please try again.") % {"reference": reference})
    else:
        audit.record(request, "payment.refund_late", _("Refunded a late success"), target=reference)
        messages.success(request, _("Payment %(reference)s was refunded.") % {"reference": reference})
    return redirect("adminpanel:pending")
