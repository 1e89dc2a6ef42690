"""The janitor for charges whose answer was lost: ask the provider again, on a schedule, never twice at once.

A payment left "processing" (the provider did not answer, a worker died mid-charge, the customer
closed the page during 3-D Secure) is asked about again 5 minutes, 1 hour and 1 day after its
charge started, each time with the account and key it started with (so never a second charge).
Still unresolved after that day, it stops being asked and is marked "needs attention" for the
office's Pending Payments page, with what is known (the last error, the provider's id); a later
webhook can still finish it.

The sweep visits each city in turn, oldest payments first; one payment's error (or one city's)
is logged with its reference and the sweep goes on. It never overlaps itself: a cache lock taken
with add() (atomic on Redis; on the file cache, a second sweep arriving in the same instant is
still stopped by the per-payment claim, a conditional update of next_check_at).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from portal.tenant_work import active_tenants, working_for

from . import states
from .models import Payment

logger = logging.getLogger(__name__)

SCHEDULE = (timedelta(minutes=5), timedelta(hours=1), timedelta(days=1))  # after the charge started
LOCK_KEY = "billing:recover-processing"
LOCK_SECONDS = 10 * 60  # a sweep that died keeps the lock no longer than this
CLAIM = timedelta(minutes=10)  # a payment being asked is not asked by anyone else meanwhile
PER_CITY = 200
ACTOR = states.Actor.task("recover_processing")


def sweep(*, now: datetime | None = None, older_than: timedelta | None = None) -> int:
    """Ask again about every due payment of every city; how many were asked (0 if a sweep is running)."""
    token = uuid.uuid4().hex
    if not cache.add(LOCK_KEY, token, timeout=LOCK_SECONDS):
        logger.info("recovery sweep already running; skipped")
        return 0
    try:
        asked = 0
        for tenant in active_tenants():
            try:
                with working_for(tenant):
                    asked += _sweep_city(tenant, now=now or timezone.now(), older_than=older_than)
            except Exception:  # one city's trouble (its provider, its data) must not stop the others
                logger.exception("recovery sweep failed for a city", extra={"tenant": tenant.slug})
        return asked
    finally:
        if cache.get(LOCK_KEY) == token:
            cache.delete(LOCK_KEY)


def due_payments(tenant, *, now: datetime, older_than: timedelta | None = None):
    """The city's payments whose charge's answer is still unknown and whose next check has come, oldest first."""
    processing = tenant.payments.filter(state=Payment.State.PROCESSING, needs_attention_at__isnull=True)
    if older_than is not None:
        due = processing.filter(created_at__lte=now - older_than)
    else:
        # No next check yet: a worker died before it could note one; asked once the first delay passed.
        due = processing.filter(Q(next_check_at__lte=now)
                                | Q(next_check_at__isnull=True, created_at__lte=now - SCHEDULE[0]))
    # Each payment's account is read in its own turn, so one that cannot be read stops only that payment.
    return due.select_related("tenant").order_by("created_at", "id")


def _sweep_city(tenant, *, now: datetime, older_than: timedelta | None) -> int:
    asked = 0
    for payment in due_payments(tenant, now=now, older_than=older_than)[:PER_CITY]:
        if not _claim(payment, now=now):
            continue  # another sweep (or Retry) has it
        asked += 1
        try:
            ask_again(payment, now=now)
        except Exception as exc:  # this payment only: the next one is still asked
            logger.exception("asking again about a payment failed", extra={"reference": payment.reference})
            Payment.objects.filter(pk=payment.pk).update(last_check_error=f"{type(exc).__name__}: {exc}"[:300])
            payment.last_check_error = f"{type(exc).__name__}: {exc}"[:300]
            _schedule_next(payment, now=now)
    return asked


def _claim(payment: Payment, *, now: datetime) -> bool:
    """Hold this payment for one asker: a conditional update that only one caller can win."""
    held_until = now + CLAIM
    claimed = (Payment.objects.filter(pk=payment.pk, state=Payment.State.PROCESSING,
                                      next_check_at=payment.next_check_at).update(next_check_at=held_until))
    payment.next_check_at = held_until
    return claimed == 1


def ask_again(payment: Payment, *, now: datetime) -> Payment:
    """Ask the provider the payment started on; a final answer is recorded, otherwise the next check is set."""
    from .checkout import _charge

    result = _charge(payment, actor=ACTOR)
    result.refresh_from_db()
    if result.state == Payment.State.PROCESSING:
        _schedule_next(result, now=now)
    return result


def _schedule_next(payment: Payment, *, now: datetime) -> None:
    """Count this check; set the next one from SCHEDULE, or mark the payment for the office after the last."""
    checks = payment.checks + 1
    started = payment.created_at
    if checks < len(SCHEDULE) and started + SCHEDULE[-1] > now:
        next_at = max(started + SCHEDULE[checks], now + SCHEDULE[0])
        Payment.objects.filter(pk=payment.pk).update(checks=checks, next_check_at=next_at)
        payment.checks, payment.next_check_at = checks, next_at
        return
    known = payment.last_check_error or "no answer from the provider"
    if payment.provider_payment_id:
        known = f"{known} (provider id {payment.provider_payment_id})"
    logger.error("a charge is still unresolved after a day; it needs the office's attention",
                 extra={"reference": payment.reference, "provider_payment_id": payment.provider_payment_id})
    states.transition(payment, Payment.State.PROCESSING, reason=f"needs attention: {known}", actor=ACTOR,
                      checks=checks, next_check_at=None, needs_attention_at=now)
