"""AutoPay's emails: queued with the change that causes them, sent by a worker from the office's templates.

Besides the emails of enrolling, ending, failures and the maximum, two sweeps run with beat: a
reminder N days before each charge (the city's setting, 3 by default), and a notice 30 and 7 days
before the card AutoPay uses expires. Each is sent once: a conditional update marks it first.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import uuid
import logging
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.formatting import money
from billing.payments.providers import payment_settings
from communications.mailing import office_contact, send_templated
from portal.models import Tenant
from portal.tenancy import tenant_url

from .models import Enrollment, ScheduledPayment

logger = logging.getLogger(__name__)


def queue(kind: str, *, enrollment_id: int, scheduled_id: int | None = None, extra: dict | None = None) -> None:
    """Send this email from a worker once the current transaction commits (never from the request)."""
    from .tasks import send_notice

    key = f"autopay:{kind}:{enrollment_id}:{uuid.uuid4().hex}"  # a redelivered task queues no second email

    def send():
        try:
            send_notice.delay(kind, enrollment_id, scheduled_id, extra or {}, key)
        except Exception:
            logger.exception("could not queue the %s email", kind)

    transaction.on_commit(send)


def _date(d: date | None) -> str:
    return date_format(d, "M j, Y") if d else ""


def context_for(*, enrollment: Enrollment, scheduled: ScheduledPayment | None = None) -> dict:
    """The variables of an AutoPay email (the template editor lists the same names)."""
    tenant = enrollment.tenant
    method = enrollment.method
    amount = (scheduled.charged_amount or scheduled.amount) if scheduled else None
    fee = payment_settings(tenant).fee_for(method.kind, amount) if amount else None
    user = enrollment.user
    return {
        "city": tenant.name, "name": (user.first_name or user.email), "customer_number": enrollment.customer_number,
        "amount": money(amount), "fee": money(fee), "total": money(amount + fee) if amount is not None else "",
        "method": method.label, "charge_date": _date(scheduled.charge_on) if scheduled else "",
        "due_date": _date(scheduled.due_date) if scheduled else "",
        "maximum": money(enrollment.max_amount) if enrollment.max_amount else _("no maximum"),
        "pay_link": tenant_url(tenant, path=reverse("pay:account", args=[enrollment.account_key])),
        "manage_link": tenant_url(tenant, path=reverse("autopay:manage", args=[enrollment.account_key])),
        "office_contact": office_contact(tenant),
    }


def next_payment_text(enrollment: Enrollment) -> str:
    sp = enrollment.scheduled_payments.filter(state=ScheduledPayment.State.PENDING).order_by("charge_on").first()
    if sp is None:
        return _("No payment is scheduled yet: the next one is scheduled when the office closes the next period.")
    return _("Next payment: %(amount)s plus the service fee on %(date)s.") % {"amount": money(sp.amount),
                                                                              "date": _date(sp.charge_on)}


def _fingerprint(extra: dict | None) -> str:
    return hashlib.sha256(json.dumps(extra or {}, sort_keys=True, default=str).encode()).hexdigest()[:16]


def send_notice(*, kind: str, enrollment_id: int, scheduled_id: int | None = None, extra: dict | None = None,
                key: str | None = None) -> bool:
    """Build and send one AutoPay email to the person who runs the enrollment."""
    enrollment = Enrollment.objects.select_related("tenant", "user", "method").get(pk=enrollment_id)
    scheduled = ScheduledPayment.objects.filter(pk=scheduled_id).first() if scheduled_id else None
    context = context_for(enrollment=enrollment, scheduled=scheduled)
    if kind == "autopay_enrolled":
        auth = enrollment.authorizations.order_by("-accepted_at", "-id").first()
        context.update(authorization=auth.text if auth else "",
                       accepted_at=date_format(timezone.localtime(auth.accepted_at, enrollment.tenant.zone),
                                               "M j, Y g:i A") if auth else "", next_payment=next_payment_text(enrollment))
    if kind == "autopay_ended":
        cancelled = int((extra or {}).get("cancelled", 0))
        context.update(ended_at=_date(timezone.localtime(enrollment.ended_at or timezone.now(),
                                                          enrollment.tenant.zone).date()),
                       cancelled=_("The scheduled payment that had not started was cancelled.") if cancelled else "")
    context.update({k: str(v) for k, v in (extra or {}).items()})
    # Without a key of the caller's, the same notice for the same scheduled payment is queued once.
    key = key or f"autopay:{kind}:{enrollment.pk}:{scheduled_id or 0}:{_fingerprint(extra)}"
    return send_templated(tenant=enrollment.tenant, kind=kind, to=[enrollment.user.email], context=context, key=key,
                          user=enrollment.user, account_number=enrollment.customer_number)


def send_reminders(*, tenant: Tenant, today: date) -> int:
    """"AutoPay will charge … on …" N days before each charge, once per scheduled payment."""
    days = _reminder_days(tenant)
    if not days:
        return 0
    due = (tenant.scheduled_payments.filter(state=ScheduledPayment.State.PENDING, reminder_sent_at__isnull=True,
                                            charge_on__gt=today, charge_on__lte=today + timedelta(days=days))
           .values_list("pk", "enrollment_id"))
    sent = 0
    for pk, enrollment_id in list(due[:1000]):
        if ScheduledPayment.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=timezone.now()) == 1:
            sent += send_notice(kind="autopay_reminder", enrollment_id=enrollment_id, scheduled_id=pk)
    return sent


def _reminder_days(tenant: Tenant) -> int:
    from .enrollment import autopay_settings

    return autopay_settings(tenant).reminder_days


def card_expires_on(method) -> date | None:
    if not (method.exp_month and method.exp_year):
        return None
    return date(method.exp_year, method.exp_month, calendar.monthrange(method.exp_year, method.exp_month)[1])


def send_expiry_notices(*, tenant: Tenant, today: date) -> int:
    """Emails 30 and 7 days before the card a live enrollment uses expires, once each."""
    sent = 0
    live = (tenant.autopay_enrollments.filter(ended_at__isnull=True, method__kind="card",
                                              method__exp_year__isnull=False)
            .select_related("method"))
    for enrollment in live.iterator():
        expires = card_expires_on(enrollment.method)
        left = (expires - today).days if expires else None
        if left is None or left < 0 or left > 30:
            continue
        step = "7" if left <= 7 else "30"
        mark = f"{enrollment.method_id}:{step}"
        if enrollment.expiry_notice == mark or (step == "30" and enrollment.expiry_notice.endswith(":7")
                                                and enrollment.expiry_notice.startswith(f"{enrollment.method_id}:")):
            continue
        if Enrollment.objects.filter(pk=enrollment.pk, expiry_notice=enrollment.expiry_notice).update(
                expiry_notice=mark) == 1:
            sent += send_notice(kind="autopay_card_expiring", enrollment_id=enrollment.pk,
                                extra={"expires": date_format(expires, "F Y")},
                                key=f"autopay:card_expiring:{enrollment.pk}:{mark}")
    return sent
