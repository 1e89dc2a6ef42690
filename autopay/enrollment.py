"""Enrolling in AutoPay, changing it in place, and ending it: the customer's side and the office's on their behalf.

Every write records who acted; turning AutoPay on or changing it records the authorization text
the person accepted, word for word, with the time, their user, IP address and browser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.formatting import money
from billing.payments.checkout import blocked_kinds
from billing.payments.models import PaymentMethod
from billing.payments.providers import payment_settings
from cows_bridge import client as cows
from cows_bridge.errors import CowsError, CowsNotFound
from cows_bridge.types import AccountSummary
from portal.models import Tenant

from . import notices, scheduling, states
from .models import MAX_DAYS_LIMIT, Authorization, AutoPaySettings, Enrollment, ScheduledPayment

logger = logging.getLogger(__name__)


class AutoPayRefused(Exception):
    """AutoPay cannot be turned on or changed as asked; the message says why and what to do."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def autopay_settings(tenant: Tenant) -> AutoPaySettings:
    """The city's AutoPay settings, made with the defaults the first time they are needed."""
    try:
        return tenant.autopay_settings
    except AutoPaySettings.DoesNotExist:
        found, _created = AutoPaySettings.objects.get_or_create(tenant=tenant)
        tenant.autopay_settings = found
        return found


def live_enrollment(*, tenant: Tenant, account_key: str) -> Enrollment | None:
    return (tenant.autopay_enrollments.filter(account_key=account_key, ended_at__isnull=True)
            .select_related("method", "user").first())


def read_account(*, tenant: Tenant, customer_number: str) -> AccountSummary:
    """The account as Caselle has it right now; AutoPayRefused when it cannot be read."""
    try:
        return cows.get_account(tenant, customer_number)
    except CowsNotFound:
        raise AutoPayRefused(_("The office's billing system does not know this account any more. Please call "
                               "the office.")) from None
    except CowsError:
        raise AutoPayRefused(_("We can't reach the city's billing system right now, so AutoPay can't be set up. "
                               "Nothing was changed; please try again in a few minutes.")) from None


def check_eligibility(*, tenant: Tenant, user, summary: AccountSummary, method: PaymentMethod | None = None) -> None:
    """Refuse, saying what to do, an account on Direct Pay, run by someone else, or a blocked payment type."""
    if summary.direct_pay:
        raise AutoPayRefused(_("This account pays by Direct Pay, the office's own bank draft. The office must end "
                               "your Direct Pay first: call them, then come back to turn on AutoPay."))
    other = live_enrollment(tenant=tenant, account_key=summary.key)
    if other is not None and other.user_id != getattr(user, "id", None):
        raise AutoPayRefused(_("AutoPay is already on for this account, set up by another person who pays it. "
                               "Only one person can run AutoPay on an account: they (or the office) must turn "
                               "theirs off first."))
    if method is not None and method.kind in blocked_kinds(tenant=tenant, summaries=[summary]):
        if method.kind == PaymentMethod.Kind.CARD:
            raise AutoPayRefused(_("The office does not take cards for this account. Choose a bank account, or "
                                   "call the office."), field="method")
        raise AutoPayRefused(_("The office does not take bank account payments for this account. Choose a card, "
                               "or call the office."), field="method")


def check_choices(*, tenant: Tenant, user, method: PaymentMethod, days_before_due: int,
                  max_amount: Decimal | None) -> None:
    """The schedule and method the person chose are ones AutoPay can use."""
    limit = min(autopay_settings(tenant).max_days_before_due, MAX_DAYS_LIMIT)
    if not 0 <= days_before_due <= limit:
        raise AutoPayRefused(_("Choose from 0 to %(max)s days before the due date.") % {"max": limit},
                             field="days_before_due")
    if max_amount is not None and max_amount <= 0:
        raise AutoPayRefused(_("Enter a maximum above $0.00, or choose no maximum."), field="max_amount")
    if (method.tenant_id != tenant.id or method.user_id != getattr(user, "id", None) or method.deleted_at
            or method.provider != payment_settings(tenant).provider):
        raise AutoPayRefused(_("Choose a payment method."), field="method")
    if method.is_expired:
        raise AutoPayRefused(_("This card has expired. Choose another payment method."), field="method")


def fee_rule_text(tenant: Tenant, kind: str) -> str:
    """"2.95% plus $0.00 (at least $1.50)": the service fee each payment by this kind adds."""
    s = payment_settings(tenant)
    percent, flat, minimum = ((s.card_fee_percent, s.card_fee_flat, s.card_fee_minimum) if kind == "card"
                              else (s.ach_fee_percent, s.ach_fee_flat, s.ach_fee_minimum))
    return _("%(percent)s%% plus %(flat)s (at least %(min)s)") % {"percent": percent, "flat": money(flat),
                                                                 "min": money(minimum)}


def authorization_text(*, tenant: Tenant, customer_number: str, method: PaymentMethod, days_before_due: int,
                       max_amount: Decimal | None) -> str:
    """The words the person accepts: the amount rule, the timing, the fee, how to cancel."""
    fee_rule = _("a service fee of %(rule)s") % {"rule": fee_rule_text(tenant, method.kind)}
    maximum = (_("If the amount due is over %(max)s, nothing is charged and I will be emailed to pay it myself.")
               % {"max": money(max_amount)}) if max_amount else _("There is no maximum amount.")
    return _(
        "I authorize %(city)s to charge %(method)s, through its payment provider, for each bill of utility account "
        "%(number)s: the Balance Due (or the Equal Pay amount when the account is on Equal Pay), %(days)s days before "
        "each due date, or on the day I enroll or a bill is scheduled when that day has already come or the due date "
        "has passed. %(maximum)s Each payment adds %(fee)s. I will be emailed before each charge. This authorization "
        "stays in effect until I turn AutoPay off under Manage AutoPay (or ask the office to), which stops every "
        "payment not yet being charged."
    ) % {"city": tenant.name, "method": method.label, "number": customer_number, "days": days_before_due,
         "maximum": maximum, "fee": fee_rule}


@dataclass
class Enrolled:
    enrollment: Enrollment
    scheduled: ScheduledPayment | None  # the payment the rules scheduled (or charge now), if any
    outcome: str  # now, scheduled, no_balance, already


def _record_authorization(*, enrollment: Enrollment, user, text: str, ip_address: str | None,
                          user_agent: str) -> Authorization:
    return Authorization.objects.create(tenant_id=enrollment.tenant_id, enrollment=enrollment, user=user, text=text,
                                        ip_address=ip_address or None, user_agent=(user_agent or "")[:300])


def enroll(*, tenant: Tenant, user, customer_number: str, method: PaymentMethod, days_before_due: int,
           max_amount: Decimal | None, accepted_text: str, ip_address: str | None = None, user_agent: str = "",
           acting_user=None, today=None) -> Enrolled:
    """Turn AutoPay on for one account, and schedule (or charge now) its current bill by the timing rules."""
    check_choices(tenant=tenant, user=user, method=method, days_before_due=days_before_due, max_amount=max_amount)
    summary = read_account(tenant=tenant, customer_number=customer_number)
    check_eligibility(tenant=tenant, user=user, summary=summary, method=method)
    expected = authorization_text(tenant=tenant, customer_number=summary.customer_number, method=method,
                                  days_before_due=days_before_due, max_amount=max_amount)
    if accepted_text != expected:
        raise AutoPayRefused(_("The terms changed while you were reading them. Please read and accept them again."))
    period = scheduling.last_closed_period(tenant=tenant)
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                tenant=tenant, user=user, account_key=summary.key, customer_number=summary.customer_number,
                method=method, days_before_due=days_before_due, max_amount=max_amount,
                enrolled_by=acting_user or user)
            _record_authorization(enrollment=enrollment, user=user, text=accepted_text, ip_address=ip_address,
                                  user_agent=user_agent)
            outcome, scheduled = scheduling.schedule_for_enrollment(
                enrollment=enrollment, summary=summary, period=period, today=today, created_by="enrollment")
            notices.queue("autopay_enrolled", enrollment_id=enrollment.pk)
    except IntegrityError:
        raise AutoPayRefused(_("AutoPay is already on for this account.")) from None
    logger.info("AutoPay enrolled", extra={"account": summary.key, "outcome": outcome})
    return Enrolled(enrollment, scheduled, outcome)


def change(*, enrollment: Enrollment, method: PaymentMethod, days_before_due: int, max_amount: Decimal | None,
           accepted_text: str, ip_address: str | None = None, user_agent: str = "", today=None) -> Enrolled:
    """Change the method, days or maximum in place, with a new authorization; the next payment follows."""
    tenant = enrollment.tenant
    user = enrollment.user
    check_choices(tenant=tenant, user=user, method=method, days_before_due=days_before_due, max_amount=max_amount)
    summary = read_account(tenant=tenant, customer_number=enrollment.customer_number)
    check_eligibility(tenant=tenant, user=user, summary=summary, method=method)
    expected = authorization_text(tenant=tenant, customer_number=enrollment.customer_number, method=method,
                                  days_before_due=days_before_due, max_amount=max_amount)
    if accepted_text != expected:
        raise AutoPayRefused(_("The terms changed while you were reading them. Please read and accept them again."))
    with transaction.atomic():
        updated = Enrollment.objects.filter(pk=enrollment.pk, ended_at__isnull=True).update(
            method=method, days_before_due=days_before_due, max_amount=max_amount, changed_at=timezone.now(),
            expiry_notice="")
        if updated != 1:
            raise AutoPayRefused(_("AutoPay was turned off for this account meanwhile; turn it on again."))
        enrollment.refresh_from_db()
        _record_authorization(enrollment=enrollment, user=user, text=accepted_text, ip_address=ip_address,
                              user_agent=user_agent)
        scheduled = scheduling.follow_change(enrollment=enrollment, today=today)
        notices.queue("autopay_enrolled", enrollment_id=enrollment.pk)
    return Enrolled(enrollment, scheduled, "changed")


def unenroll(*, enrollment: Enrollment, acting_user, reason: str = "") -> int:
    """Turn AutoPay off; payments not yet being charged are cancelled. Returns how many were cancelled."""
    with transaction.atomic():
        ended = Enrollment.objects.filter(pk=enrollment.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_by=acting_user, end_reason=reason[:200])
        if ended != 1:
            return 0
        who = "customer" if getattr(acting_user, "pk", None) == enrollment.user_id else (
            f"clerk:{getattr(acting_user, 'pk', '')}" if acting_user is not None else "task:unenroll")
        cancelled = states.move(enrollment.scheduled_payments.all(), ScheduledPayment.State.PENDING,
                                ScheduledPayment.State.CANCELLED, actor=who, finished_at=timezone.now(),
                                message=_("Cancelled: AutoPay was turned off"))
        notices.queue("autopay_ended", enrollment_id=enrollment.pk, extra={"cancelled": cancelled})
    enrollment.refresh_from_db()
    return cancelled


def enrollments_using(*, method: PaymentMethod):
    """The live enrollments that charge this saved method (deleting it would stop them)."""
    return method.autopay_enrollments.filter(ended_at__isnull=True)
