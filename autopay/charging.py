"""Charging scheduled AutoPay payments, each exactly once.

Beat runs `charge_due` every minute. From the city's charge hour on (6:00 city time by default)
it claims the rows due today or earlier atomically: `SELECT … FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two workers never wait on nor take the same rows; a conditional update
(`state='pending'`) whose count is checked on SQLite. Each claimed row is charged off-session
through billing's checkout with a Payment whose reference and idempotency key come from the row,
then posted to Cash Receipting by the same outbox as every payment.

Just before charging, the balance is read again: the smaller of the scheduled amount and what is
due now is charged; nothing due → "paid already"; over the customer's maximum → not charged and
the customer is emailed. A decline is recorded with its reason and emailed; it is never retried
blindly. A worker killed mid-charge leaves the row claimed: `recover` picks it up after a while
and finishes it with the same Payment and key, so the provider charges once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.formatting import money
from billing.payments import checkout
from billing.payments.amounts import CheckoutError
from billing.payments.models import Payment
from billing.payments.states import Actor
from cows_bridge import client as cows
from cows_bridge.errors import CowsError
from portal.models import Tenant

from . import notices, states, timing
from .enrollment import autopay_settings
from .models import ScheduledPayment

logger = logging.getLogger(__name__)
ACTOR = Actor.task("charge_autopay")
STALE_CLAIM = timedelta(minutes=10)  # a claimed row untouched this long: its worker died
PER_SWEEP = 500
S = ScheduledPayment.State


def queue_charge(*, scheduled_id: int) -> None:
    """Charge this row as soon as a worker can (enrolling when the rules say "now"); beat would anyway."""
    from .tasks import charge_scheduled

    def send():
        try:
            charge_scheduled.delay(scheduled_id)
        except Exception:  # a broker hiccup: beat's next sweep charges it
            logger.warning("could not queue an AutoPay charge; beat will", exc_info=True)

    transaction.on_commit(send)


def _due(tenant: Tenant, today: date):
    return tenant.scheduled_payments.filter(state=S.PENDING, charge_on__lte=today).order_by("charge_on", "id")


def claim_due(*, tenant: Tenant, today: date, limit: int = PER_SWEEP, ids: list[int] | None = None) -> list[int]:
    """Take the due rows for this worker alone; returns the ids taken (none twice, across any workers)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    due = _due(tenant, today)
    if ids is not None:
        due = due.filter(pk__in=ids)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            candidates = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        else:  # SQLite: one writer at a time; the state check below is what makes the claim
            candidates = list(due.values_list("pk", flat=True)[:limit])
        if not candidates:
            return []
        states.move(ScheduledPayment.objects.filter(pk__in=candidates), S.PENDING, S.CHARGING, actor=ACTOR.label,
                    claim_token=token, claimed_at=now)
    return list(ScheduledPayment.objects.filter(claim_token=token, state=S.CHARGING).values_list("pk", flat=True))


def charge_due(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Claim and charge every due row of this city, from its charge hour on; returns how many were charged."""
    local = timezone.localtime(now or timezone.now(), tenant.zone)
    if local.hour < autopay_settings(tenant).charge_hour:
        return 0
    done = 0
    for pk in claim_due(tenant=tenant, today=local.date()):
        try:
            charge_claimed(scheduled_id=pk)
        except Exception:  # this row only; it stays claimed and recover() finishes it
            logger.exception("charging an AutoPay payment failed", extra={"scheduled_payment": pk})
        done += 1
    return done


def charge_now(*, scheduled_id: int) -> ScheduledPayment:
    """Charge one row at once (enrolled today with the bill due): claimed like any other, so still once."""
    sp = ScheduledPayment.objects.select_related("tenant").get(pk=scheduled_id)
    if claim_due(tenant=sp.tenant, today=sp.charge_on, ids=[sp.pk]):
        return charge_claimed(scheduled_id=sp.pk)
    sp.refresh_from_db()
    return sp


def _as_written(sp: ScheduledPayment, **values) -> ScheduledPayment:
    """The claimed row as this worker has just written it, without reading it back (a query less per payment).

    As after refresh_from_db: the values written are set, and related objects are read again when next used.
    """
    for name, value in values.items():
        setattr(sp, name, value)
    for field in sp._meta.concrete_fields:
        if field.is_relation and field.is_cached(sp):
            field.delete_cached_value(sp)
    return sp


def _finish(sp: ScheduledPayment, state: str, message: str = "", **fields) -> ScheduledPayment:
    values = {"message": message[:300], "finished_at": timezone.now(), **fields}
    if states.move(ScheduledPayment.objects.filter(pk=sp.pk), S.CHARGING, state, actor=ACTOR.label, **values) == 1:
        return _as_written(sp, state=str(state), moved_by=ACTOR.label, **values)
    sp.refresh_from_db()  # it was not charging any more: whatever moved it on stands
    return sp


def _release(sp: ScheduledPayment, message: str) -> ScheduledPayment:
    """Back to pending (the billing system could not be read): the next sweep tries again."""
    states.move(ScheduledPayment.objects.filter(pk=sp.pk, payment__isnull=True), S.CHARGING, S.PENDING,
                actor=ACTOR.label, claim_token="", claimed_at=None, message=message[:300], attempts=sp.attempts + 1)
    sp.refresh_from_db()
    return sp


def charge_claimed(*, scheduled_id: int) -> ScheduledPayment:
    """Charge one claimed row: re-read the balance, apply the maximum, charge off-session, record."""
    # The city's payment settings come along: checkout reads them (a query less per payment).
    sp = ScheduledPayment.objects.select_related("tenant__payment_settings", "enrollment__method", "enrollment__user",
                                                 "payment").get(pk=scheduled_id)
    if sp.state != S.CHARGING:
        return sp
    if sp.payment is not None:  # made before a worker died: the same payment, the same key
        return _confirm(sp, sp.payment)
    enrollment, tenant = sp.enrollment, sp.tenant
    if enrollment.ended_at is not None:
        return _finish(sp, S.CANCELLED, _("Cancelled: AutoPay was turned off"))
    try:
        summary = cows.get_account(tenant, sp.customer_number)
    except CowsError as exc:
        logger.warning("AutoPay waits for the billing system: %s", exc, extra={"scheduled_payment": sp.pk})
        return _release(sp, _("Waiting: the billing system could not be reached (%(error)s)") % {"error": exc})
    due_now = timing.amount_to_charge(balance_due=summary.balance_due, equal_pay_amount=summary.equal_pay_amount)
    amount = min(sp.amount, due_now)
    if amount <= 0:
        return _finish(sp, S.NOTHING_DUE, _("Paid already, nothing charged"))
    if enrollment.max_amount is not None and amount > enrollment.max_amount:
        sp = _finish(sp, S.OVER_MAXIMUM, _("Over your AutoPay maximum of %(max)s: %(amount)s not charged") % {
            "max": money(enrollment.max_amount), "amount": money(amount)}, charged_amount=None)
        notices.queue("autopay_over_maximum", enrollment_id=enrollment.pk, scheduled_id=sp.pk,
                      extra={"amount": money(amount)})
        return sp
    item = checkout.ItemSpec(kind="utility", amount=amount, account_key=sp.account_key,
                             customer_number=sp.customer_number, summary=summary)
    linked = 0
    try:
        with transaction.atomic():
            payment = checkout.start_checkout(
                tenant=tenant, items=[item], method=checkout.MethodSpec(saved=enrollment.method),
                user=enrollment.user, payer_email=enrollment.user.email, customer_present=False,
                reference=sp.reference, idempotency_key=sp.idempotency_key, actor=ACTOR)
            linked = ScheduledPayment.objects.filter(pk=sp.pk, payment__isnull=True).update(payment=payment,
                                                                                            charged_amount=amount)
    except CheckoutError as exc:
        sp = _finish(sp, S.FAILED, str(exc))
        notices.queue("autopay_failed", enrollment_id=enrollment.pk, scheduled_id=sp.pk, extra={"reason": str(exc)})
        return sp
    except IntegrityError:  # the key's payment exists (a worker died after making it): use that one
        payment = tenant.payments.get(idempotency_key=sp.idempotency_key)
        ScheduledPayment.objects.filter(pk=sp.pk, payment__isnull=True).update(payment=payment,
                                                                               charged_amount=payment.amount)
    if linked == 1:
        _as_written(sp, payment_id=payment.pk, charged_amount=amount)
    else:
        sp.refresh_from_db()
    return _confirm(sp, payment)


def _confirm(sp: ScheduledPayment, payment: Payment) -> ScheduledPayment:
    if payment.state == Payment.State.CREATED:
        payment = checkout.confirm_payment(payment=payment, actor=ACTOR)
    return settle(sp, payment)


def settle(sp: ScheduledPayment, payment: Payment) -> ScheduledPayment:
    """Bring the row to its payment's outcome (still charging while the provider's answer is unknown)."""
    payment.refresh_from_db()
    if payment.state in (Payment.State.CHARGED, Payment.State.POSTED):
        return _finish(sp, S.PAID, "")
    if payment.state in (Payment.State.FAILED, Payment.State.REFUNDED):
        reason = payment.failure_reason or _("The payment was declined.")
        if payment.late_success_at:
            reason = _("The provider took the money after a failure: the office must post or refund it")
        done = _finish(sp, S.FAILED, reason)
        if not payment.late_success_at:
            notices.queue("autopay_failed", enrollment_id=sp.enrollment_id, scheduled_id=sp.pk,
                          extra={"reason": reason})
        return done
    return sp


def recover(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Finish rows left charging: settle those whose payment has an answer, re-run those whose worker died."""
    now = now or timezone.now()
    finished = 0
    stuck = tenant.scheduled_payments.filter(state=S.CHARGING).select_related("payment").order_by("id")[:PER_SWEEP]
    for sp in stuck:
        try:
            if sp.payment is not None and sp.payment.state != Payment.State.CREATED:
                finished += settle(sp, sp.payment).state != S.CHARGING
            elif sp.claimed_at is None or sp.claimed_at < now - STALE_CLAIM:
                token = uuid.uuid4().hex  # take the row over from the dead worker, once
                if ScheduledPayment.objects.filter(pk=sp.pk, state=S.CHARGING, claim_token=sp.claim_token).update(
                        claim_token=token, claimed_at=now) == 1:
                    finished += charge_claimed(scheduled_id=sp.pk).state != S.CHARGING
        except Exception:
            logger.exception("recovering an AutoPay payment failed", extra={"scheduled_payment": sp.pk})
    return finished
