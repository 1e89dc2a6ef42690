"""The automatic Schedule Payments after a close: once per (city, closed period), whatever fails in between.

When the portal sees the office close a period (billing's `period_closed`), an `AutomaticSchedule` row is made,
due at once, and a worker is asked for it after the commit. A sweep (beat, every minute) works on every row
whose next try has come, so a lost task or a killed worker only delays it; it also makes the row of a close
whose signal was lost (`start_missed`). A worker claims a row with one conditional UPDATE (SKIP LOCKED first on
PostgreSQL), runs `schedule_payments` for that period only, and either finishes the row or, while Caselle
cannot be reached, gives it back with its next try 1, 2, 5, 10 and then every 15 minutes. After an hour of
waiting the office admins are emailed once and the Scheduled Payments screen says why it waits.

Exactly once: the ScheduleRun unique per (city, period) is what schedules; a period the office scheduled first
(the button, the command) makes the row finish with nothing more done.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from billing.accounts.models import PeriodState
from portal.models import Tenant

from .models import AutoPaySettings, AutomaticSchedule, ScheduleRun
from .scheduling import STALE_RUN, ScheduleRefused, schedule_payments

logger = logging.getLogger(__name__)

ACTOR = "task:schedule_after_close"
BACKOFF = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=5), timedelta(minutes=10),
           timedelta(minutes=15))  # after the 1st, 2nd... failed try; every 15 minutes after that
TELL_OFFICE_AFTER = timedelta(hours=1)
CLAIM_FOR = STALE_RUN  # as long as a run may take before another takes it over
CATCH_UP = timedelta(days=2)  # a close seen this recently with no row gets one (a lost signal)
Row = AutomaticSchedule


def _wanted(tenant_id: int) -> bool:
    """The city's "schedule automatically when the period closes" setting, read now (on by default)."""
    found = AutoPaySettings.objects.filter(tenant_id=tenant_id).values_list("schedule_on_close", flat=True).first()
    return found is None or found


def start(*, tenant: Tenant, period_id: int, period_label: str, now: datetime | None = None) -> Row | None:
    """The close's automatic run, due now; None when the city turned it off or the row exists already."""
    if not _wanted(tenant.pk):
        return None
    row, created = Row.objects.get_or_create(tenant=tenant, period_id=period_id, defaults={
        "period_label": period_label, "next_attempt_at": now or timezone.now()})
    return row if created else None


def start_missed(*, now: datetime) -> list[Row]:
    """A row for each recent close the portal saw but made no row for (the signal's receiver never ran)."""
    states = list(PeriodState.objects.filter(close_seen_at__gte=now - CATCH_UP, last_closed_period_id__isnull=False,
                                             tenant__is_active=True).select_related("tenant"))
    have = set(Row.objects.filter(tenant__in=[s.tenant_id for s in states]).values_list("tenant_id", "period_id"))
    started = []
    for state in states:
        if (state.tenant_id, state.last_closed_period_id) not in have:
            row = start(tenant=state.tenant, period_id=state.last_closed_period_id,
                        period_label=state.last_closed_period_label, now=now)
            if row is not None:
                logger.warning("automatic Schedule Payments of %s started by the sweep (the close signal was lost)",
                               row.period_label)
                started.append(row)
    return started


def due(*, now: datetime) -> list[tuple[int, int]]:
    """(row id, city id) of the rows a sweep should try now."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return list(Row.objects.filter(state=Row.State.WAITING, next_attempt_at__lte=now, tenant__is_active=True)
                .filter(free).order_by("next_attempt_at", "id").values_list("id", "tenant_id"))


def claim(*, row_id: int, now: datetime) -> str | None:
    """Take the row for this worker alone; its claim token, or None when it is not due or someone has it."""
    token = uuid.uuid4().hex
    query = (Row.objects.filter(pk=row_id, state=Row.State.WAITING, next_attempt_at__lte=now)
             .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)))
    take = {"claim_token": token, "claimed_until": now + CLAIM_FOR, "attempts": F("attempts") + 1}
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:  # PostgreSQL: pass over a row being taken
            if not list(query.select_for_update(skip_locked=True).values_list("pk", flat=True)):
                return None
        # The condition and the claim in one statement (on SQLite, one writer at a time makes it the claim).
        return token if query.update(**take) == 1 else None


def work(*, row_id: int, now: datetime | None = None) -> str:
    """Claim the row and try the period's Schedule Payments once; returns what happened."""
    now = now or timezone.now()
    token = claim(row_id=row_id, now=now)
    if token is None:
        return "skipped"
    row = Row.objects.select_related("tenant").get(pk=row_id)
    if not _wanted(row.tenant_id):
        _finish(row, token, Row.State.SKIPPED, _("Automatic scheduling was turned off before it could run."))
        return "off"
    try:
        run = schedule_payments(tenant=row.tenant, actor=ACTOR, period_id=row.period_id)
    except ScheduleRefused as refused:
        if refused.code in ("done", "moved"):  # scheduled by the office first, or a later period closed since
            _finish(row, token, Row.State.SKIPPED, refused.message, run=refused.run)
            logger.info("automatic Schedule Payments of %s did nothing: %s", row.period_label, refused.message)
            return refused.code
        _wait(row, token, refused, now)
        return "waiting"
    except Exception:  # anything else (a database hiccup): tried again like an outage, the details in the log
        logger.exception("automatic Schedule Payments of %s failed", row.period_label)
        _wait(row, token, ScheduleRefused(_("Schedule Payments failed unexpectedly; the portal's log has the "
                                            "details."), code="error"), now)
        return "waiting"
    _finish(row, token, Row.State.DONE, _("%(scheduled)d scheduled, %(now)d due now") % {
        "scheduled": run.scheduled, "now": run.charged_now}, run=run)
    return "done"


def _finish(row: Row, token: str, state: str, outcome: str, *, run=None) -> None:
    Row.objects.filter(pk=row.pk, claim_token=token).update(
        state=state, outcome=outcome[:300], run=run, next_attempt_at=None, finished_at=timezone.now(),
        claim_token="", claimed_until=None, waiting_for="", last_error="")


def _wait(row: Row, token: str, refused: ScheduleRefused, now: datetime) -> None:
    """Give the row back with its next try; the office is emailed once when it has waited an hour."""
    attempts = row.attempts  # read after the claim counted this try
    next_at = now + BACKOFF[min(attempts, len(BACKOFF)) - 1]
    logger.warning("automatic Schedule Payments of %s waits (try %s, next at %s): %s", row.period_label, attempts,
                   next_at.isoformat(), refused.message)
    with transaction.atomic():
        kept = Row.objects.filter(pk=row.pk, claim_token=token).update(
            next_attempt_at=next_at, claim_token="", claimed_until=None, waiting_for=refused.code,
            last_error=refused.message[:300])
        if kept and now - row.created_at >= TELL_OFFICE_AFTER and Row.objects.filter(
                pk=row.pk, office_told_at__isnull=True).update(office_told_at=now):
            _tell_office(row=row, reason=waiting_reason(refused.code, refused.message), next_at=next_at)


def _tell_office(*, row: Row, reason: str, next_at: datetime) -> None:
    """One email to the city's office admins that this period's AutoPay is not scheduled yet (a stable key)."""
    from communications.outbox import queue_email
    from customers.notifications import Category
    from customers.staff import office_admins

    tenant = row.tenant
    recipients = list(office_admins(tenant).filter(user__is_active=True).values_list("user__email", flat=True))
    seen = timezone.localtime(row.created_at, tenant.zone)
    subject = _("[%(city)s] AutoPay for period %(period)s is not scheduled yet") % {
        "city": tenant.name, "period": row.period_label}
    text = _("The portal saw billing period %(period)s close in Caselle at %(seen)s and has been trying since then "
             "to schedule the AutoPay payments of that period, without success:\n\n%(reason)s\n\n"
             "Customers on AutoPay are not charged for this period until it is scheduled. The portal keeps trying "
             "every 15 minutes (next at %(next)s) and schedules them once Caselle answers; you can also press "
             "Schedule Payments on the Scheduled Payments screen when Caselle is back.\n") % {
        "period": row.period_label, "seen": date_format(seen, "M j, Y g:i A"), "reason": reason,
        "next": time_format(timezone.localtime(next_at, tenant.zone), "TIME_FORMAT")}
    queue_email(tenant=tenant, kind="office_notice", to=recipients, subject=subject, text=text,
                category=Category.TRANSACTIONAL, key=f"autopay-waiting:{row.period_id}",
                source=f"autopay-waiting:{row.period_id}")


def waiting_reason(code: str, message: str) -> str:
    """Why the automatic run waits, in the office's words."""
    return {
        "cows_down": _("Caselle (COWS) cannot be reached, so balances cannot be read."),
        "stopped": _("Caselle stopped answering part-way; what was scheduled stays."),
        "running": _("another Schedule Payments of this period has not finished yet."),
        "no_period": _("Caselle reports no closed billing period."),
    }.get(code, message)


def waiting_notice(*, tenant: Tenant) -> dict | None:
    """The Scheduled Payments screen's "Waiting for Caselle..." of the newest period whose automatic run waits."""
    row = (Row.objects.filter(tenant=tenant, state=Row.State.WAITING).exclude(waiting_for="")
           .order_by("-period_id").first())
    if row is None or ScheduleRun.objects.filter(tenant=tenant, period_id__gte=row.period_id,
                                                 finished_at__isnull=False).exists():
        return None  # the office scheduled it (or a later period) meanwhile: the row finishes at its next try
    next_at = timezone.localtime(row.next_attempt_at, tenant.zone) if row.next_attempt_at else None
    return {"period": row.period_label, "reason": waiting_reason(row.waiting_for, row.last_error),
            "since": timezone.localtime(row.created_at, tenant.zone), "attempts": row.attempts,
            "next_try": time_format(next_at, "TIME_FORMAT") if next_at else ""}
