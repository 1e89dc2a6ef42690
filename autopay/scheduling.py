"""Schedule Payments: after the office closes a period, one scheduled payment per enrolled account and bill.

The run reads every live enrollment's Balance Due / Equal Pay through the bridge in batches of
200 and creates that period's scheduled payments by the timing rules (autopay/timing.py).

Exactly once: a ScheduleRun row per (city, period) is the run's claim, so the button twice, the
cron, the automatic run after a close and two clerks at once make one run; the second is told
who ran it and when. A live scheduled payment per (city, account, period) is a unique rule of the
database, so even a run that died half-way and is run again creates nothing twice.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from cows_bridge import client as cows
from cows_bridge.errors import CowsError
from cows_bridge.types import AccountSummary, Period
from portal.models import Tenant

from . import timing
from .models import Enrollment, ScheduledPayment, ScheduleRun

logger = logging.getLogger(__name__)
BATCH = 200
STALE_RUN = timedelta(minutes=15)  # a run unfinished after this (its process died) may be taken over


class ScheduleRefused(Exception):
    """Schedule Payments cannot run now; the message tells the office why and what to do.

    `code` says which case it is, for the automatic run after a close (autopay/after_close.py): "done"
    (the period was scheduled), "running" (a run is under way), "cows_down", "stopped" (COWS stopped
    answering part-way), "no_period", "moved" (Caselle's last closed period is no longer the one asked for).
    """

    def __init__(self, message: str, run: ScheduleRun | None = None, *, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.run = run
        self.code = code


def last_closed_period(*, tenant: Tenant) -> Period | None:
    """The office's last closed billing period, read from Caselle now (None when it has closed none)."""
    return cows.get_status(tenant).last_closed_period


def _today(tenant: Tenant, today: date | None) -> date:
    return today or timezone.localdate(timezone=tenant.zone)


def _row(*, enrollment: Enrollment, plan: timing.Plan, period: Period, due_date, created_by: str) -> ScheduledPayment:
    return ScheduledPayment(
        tenant_id=enrollment.tenant_id, enrollment=enrollment, account_key=enrollment.account_key,
        customer_number=enrollment.customer_number, period_id=period.id, period_label=period.label,
        due_date=due_date, charge_on=plan.charge_on, amount=plan.amount, created_by=created_by)


def _plan(*, enrollment: Enrollment, summary: AccountSummary, today: date) -> timing.Plan:
    return timing.plan_payment(balance_due=summary.balance_due, equal_pay_amount=summary.equal_pay_amount,
                               due_date=summary.due_date, days_before_due=enrollment.days_before_due, today=today)


def _waiting_reason(summary: AccountSummary, today: date) -> str:
    if summary.due_date is not None and summary.due_date < today:
        return Enrollment.Waiting.AFTER_DUE
    return Enrollment.Waiting.NO_BALANCE


def schedule_for_enrollment(*, enrollment: Enrollment, summary: AccountSummary, period: Period | None,
                            today: date | None = None, created_by: str) -> tuple[str, ScheduledPayment | None]:
    """The rules applied to one account now (at enrolling): ("now"|"scheduled"|"no_balance"|"already", row)."""
    today = _today(enrollment.tenant, today)
    plan = _plan(enrollment=enrollment, summary=summary, today=today)
    if period is None or plan.kind == timing.NOTHING_DUE:
        Enrollment.objects.filter(pk=enrollment.pk).update(waiting_reason=_waiting_reason(summary, today))
        return "no_balance", None
    row = _row(enrollment=enrollment, plan=plan, period=period, due_date=summary.due_date, created_by=created_by)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # this bill already has its AutoPay payment (an earlier enrollment's)
        Enrollment.objects.filter(pk=enrollment.pk).update(waiting_reason=Enrollment.Waiting.PROCESSED)
        return "already", None
    Enrollment.objects.filter(pk=enrollment.pk).update(waiting_reason="")
    if plan.kind == timing.NOW:
        from .charging import queue_charge

        queue_charge(scheduled_id=row.pk)
    return plan.kind, row


def follow_change(*, enrollment: Enrollment, today: date | None = None) -> ScheduledPayment | None:
    """After a change of days, the pending payment moves to its new day (today, when that has come)."""
    today = _today(enrollment.tenant, today)
    pending = enrollment.scheduled_payments.filter(state=ScheduledPayment.State.PENDING).order_by("-period_id").first()
    if pending is None:
        return None
    if pending.due_date is None or pending.due_date < today:
        charge_on = today
    else:
        charge_on = max(pending.due_date - timedelta(days=enrollment.days_before_due), today)
    moved = ScheduledPayment.objects.filter(pk=pending.pk, state=ScheduledPayment.State.PENDING).update(
        charge_on=charge_on, reminder_sent_at=None)
    pending.charge_on = charge_on
    if moved and charge_on <= today:  # the new day has come: charged now, as when enrolling
        from .charging import queue_charge

        queue_charge(scheduled_id=pending.pk)
    return pending


def _claim_run(*, tenant: Tenant, period: Period, actor: str, actor_user) -> ScheduleRun:
    now = timezone.now()
    try:
        with transaction.atomic():
            return ScheduleRun.objects.create(tenant=tenant, period_id=period.id, period_label=period.label,
                                              actor=actor, actor_user=actor_user, started_at=now)
    except IntegrityError:
        pass
    run = ScheduleRun.objects.select_related("actor_user").get(tenant=tenant, period_id=period.id)
    when = timezone.localtime(run.started_at, tenant.zone)

    if run.finished_at is None and run.stopped_at is None and run.started_at > now - STALE_RUN:
        raise ScheduleRefused(_("Period %(period)s is being scheduled right now (started at %(time)s by %(who)s). "
                                "Its results will show here in a moment.") % {
            "period": period.label, "time": time_format(when, "TIME_FORMAT"), "who": run.actor_label}, run,
            code="running")
    if run.finished_at is not None:
        raise ScheduleRefused(_("Period %(period)s was scheduled on %(date)s by %(who)s: close the next period in "
                                "Caselle first.") % {"period": period.label, "date": date_format(when, "M j"),
                                                     "who": run.actor_label}, run, code="done")
    # The earlier run died or stopped half-way: take it over (rows it made stay; the unique rule skips them).
    taken = ScheduleRun.objects.filter(pk=run.pk, finished_at__isnull=True, started_at=run.started_at).update(
        started_at=now, stopped_at=None, actor=actor, actor_user=actor_user)
    if taken != 1:
        raise ScheduleRefused(_("Period %(period)s is being scheduled right now.") % {"period": period.label}, run,
                              code="running")
    run.refresh_from_db()
    return run


def schedule_payments(*, tenant: Tenant, actor: str, actor_user=None, today: date | None = None,
                      period_id: int | None = None) -> ScheduleRun:
    """Schedule the last closed period's AutoPay payments (only if it is `period_id`, when given), once;
    ScheduleRefused says why it cannot."""
    try:
        period = last_closed_period(tenant=tenant)
    except CowsError:
        raise ScheduleRefused(_("The office's billing system (COWS) cannot be reached, so balances cannot be read. "
                                "Nothing was scheduled; try again when it is back."), code="cows_down") from None
    if period is None:
        raise ScheduleRefused(_("Caselle has no closed billing period yet: close the period first."),
                              code="no_period")
    if period_id is not None and period.id != period_id:
        raise ScheduleRefused(_("Caselle's last closed period is now %(period)s.") % {"period": period.label},
                              code="moved")
    run = _claim_run(tenant=tenant, period=period, actor=actor, actor_user=actor_user)
    today = _today(tenant, today)
    enrollments = tenant.autopay_enrollments.filter(ended_at__isnull=True).order_by("id")
    last_id = 0
    try:
        while True:
            batch = list(enrollments.filter(id__gt=last_id)[:BATCH])
            if not batch:
                break
            last_id = batch[-1].id
            _schedule_batch(tenant=tenant, run=run, batch=batch, period=period, today=today)
    except CowsError as exc:
        run.stopped_at = timezone.now()  # the next press (or the automatic retry) finishes it at once
        run.save(update_fields=["scheduled", "charged_now", "no_balance", "already", "refused", "stopped_at"])
        raise ScheduleRefused(_("The billing system stopped answering part-way (%(error)s). What was scheduled "
                                "stays; press Schedule Payments again to finish.") % {"error": exc}, run,
                              code="stopped") from None
    run.finished_at = timezone.now()
    run.save()
    logger.info("scheduled AutoPay for %s: %s scheduled, %s now, %s no balance, %s refused", period.label,
                run.scheduled, run.charged_now, run.no_balance, len(run.refused))
    return run


def _schedule_batch(*, tenant: Tenant, run: ScheduleRun, batch: list[Enrollment], period: Period, today: date) -> None:
    found, _missing = cows.get_accounts(tenant, [e.account_key for e in batch])
    taken = set(ScheduledPayment.objects.filter(tenant_id=run.tenant_id, period_id=period.id,
                                                account_key__in=[e.account_key for e in batch])
                .exclude(state=ScheduledPayment.State.CANCELLED).values_list("account_key", flat=True))
    rows, waiting, processed = [], {}, []
    for enrollment in batch:
        summary = found.get(enrollment.account_key)
        if summary is None:
            run.refused.append({"customer_number": enrollment.customer_number,
                                "reason": _("Caselle has no such account any more")})
            continue
        if summary.direct_pay:
            run.refused.append({"customer_number": enrollment.customer_number,
                                "reason": _("The account is on Direct Pay in Caselle")})
            continue
        if enrollment.account_key in taken:
            run.already += 1
            processed.append(enrollment.pk)
            continue
        plan = _plan(enrollment=enrollment, summary=summary, today=today)
        if plan.kind == timing.NOTHING_DUE:
            run.no_balance += 1
            waiting.setdefault(Enrollment.Waiting.NO_BALANCE, []).append(enrollment.pk)
            continue
        rows.append(_row(enrollment=enrollment, plan=plan, period=period, due_date=summary.due_date,
                         created_by=f"run:{run.pk}"))
    with transaction.atomic():
        ScheduledPayment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
        # The live rows this run made for these accounts (at most one each: the unique rule, whose index this uses).
        made = dict(ScheduledPayment.objects.filter(tenant_id=run.tenant_id, period_id=period.id,
                                                    created_by=f"run:{run.pk}",
                                                    account_key__in=[r.account_key for r in rows])
                    .exclude(state=ScheduledPayment.State.CANCELLED).values_list("account_key", "charge_on"))
        # Only rows whose reason changes are written (most enrollments keep theirs from period to period).
        for reason, ids in waiting.items():
            Enrollment.objects.filter(pk__in=ids).exclude(waiting_reason=reason).update(waiting_reason=reason)
        if processed:
            Enrollment.objects.filter(pk__in=processed).exclude(waiting_reason=Enrollment.Waiting.PROCESSED).update(
                waiting_reason=Enrollment.Waiting.PROCESSED)
        Enrollment.objects.filter(account_key__in=list(made), tenant_id=run.tenant_id,
                                  ended_at__isnull=True).exclude(waiting_reason="").update(waiting_reason="")
        run.scheduled += sum(1 for day in made.values() if day > today)
        run.charged_now += sum(1 for day in made.values() if day <= today)
        run.already += len(rows) - len(made)
        run.save(update_fields=["scheduled", "charged_now", "no_balance", "already", "refused"])
