"""How the office's AutoPay screens (and their exports) word a scheduled payment and a waiting enrollment."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from autopay.models import Enrollment, Invitation, ScheduledPayment
from billing.formatting import money
from billing.payments.models import PaymentMethod

S = ScheduledPayment.State
ERRORS = (S.FAILED, S.OVER_MAXIMUM, S.NOTHING_DUE)


def person_name(user) -> str:
    return f"{user.first_name} {user.last_name}".strip()


def method_label(sp: ScheduledPayment) -> str:
    """The method charged (the payment's), or the one that will be (the enrollment's): "Visa •••• 4242"."""
    if sp.payment is not None:
        return sp.payment.method_label
    return sp.enrollment.method.label


def status(sp: ScheduledPayment) -> tuple[str, str]:
    """The guide's STATUS column as (kind, text).

    kind is "confirmation" (the number Cash Receipting and the provider share), "posting" (paid,
    its receipt not yet in Cash Receipting: the payment's reference), "error" (why it was not
    charged), "pending" (scheduled for a later day) or "other" (being charged, cancelled).
    """
    if sp.state == S.PAID and sp.payment is not None:
        numbers = [i.confirmation_number for i in sp.payment.items.all() if i.confirmation_number]
        if numbers:
            return "confirmation", ", ".join(numbers)
        return "posting", _("%(reference)s (posting pending)") % {"reference": sp.payment.reference}
    if sp.state in ERRORS:
        return "error", sp.message or sp.get_state_display()
    if sp.state == S.PENDING:
        return "pending", _("Pending")
    if sp.state == S.CHARGING:
        return "other", _("Being charged now")
    return "other", sp.message or sp.get_state_display()


def scheduled_row(sp: ScheduledPayment) -> dict:
    """One row of Scheduled/Previous Payments, the same on the screen and in the export."""
    user = sp.enrollment.user
    kind, text = status(sp)
    return {
        "id": sp.pk,
        "customer_name": person_name(user),
        "customer_email": user.email,
        "customer_number": sp.customer_number,
        "period": sp.period_label,
        "due_date": sp.due_date,
        "charge_on": sp.charge_on,
        "amount": sp.shown_amount,
        "amount_text": money(sp.shown_amount),
        "method": method_label(sp),
        "status_kind": kind,
        "status": text,
        "payment_reference": sp.payment.reference if sp.payment is not None else "",
        "waiting": sp.message if sp.state == S.PENDING else "",  # e.g. the billing system could not be read
    }


def waiting_reason(enrollment: Enrollment) -> str:
    """Why this live enrollment has no payment scheduled (the guide's three cases, and a failed one)."""
    if enrollment.waiting_reason in Enrollment.Waiting.values:
        return Enrollment.Waiting(enrollment.waiting_reason).label
    state = getattr(enrollment, "latest_state", None)
    if state in (S.PAID, S.NOTHING_DUE):
        return str(Enrollment.Waiting.PROCESSED.label)
    if state in (S.FAILED, S.OVER_MAXIMUM):
        return _("This period's payment was not charged (%(period)s): %(message)s") % {
            "period": enrollment.latest_period, "message": enrollment.latest_message}
    return _("Waiting for Schedule Payments after the next period closes")


def enrollment_row(enrollment: Enrollment) -> dict:
    """One enrollment as Customer AutoPay and the waiting list show it."""
    method: PaymentMethod = enrollment.method
    return {
        "id": enrollment.pk,
        "customer_name": person_name(enrollment.user),
        "customer_email": enrollment.user.email,
        "customer_number": enrollment.customer_number,
        "kind": method.get_kind_display(),
        "method": method.label,
        "last4": method.last4,
        "enrolled_at": enrollment.enrolled_at,
        "days_before_due": enrollment.days_before_due,
        "max_amount": money(enrollment.max_amount) if enrollment.max_amount is not None else "",
    }


def invitation_row(invitation: Invitation, zone) -> dict:
    """One invitation not yet accepted, as Customer AutoPay lists it (times in the city's zone)."""
    return {
        "customer_number": invitation.customer_number,
        "email": invitation.email,
        "days_before_due": invitation.days_before_due,
        "max_amount": money(invitation.max_amount) if invitation.max_amount is not None else "",
        "invited_at": timezone.localtime(invitation.invited_at, zone),
        "expires_at": timezone.localtime(invitation.expires_at, zone),
        "invited_by": invitation.invited_by.email if invitation.invited_by else "",
    }
