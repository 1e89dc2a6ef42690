"""ACH returns with real processes: two Celery workers sweeping at once mark the payment returned once, and
the customer and the office admin each get one email over real SMTP."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.utils import timezone

from billing.payments.models import Payment, PaymentEvent
from billing.tasks import find_returns
from communications.outbox.models import OutboundEmail
from tests.conftest import wait_for

from .deposit_helpers import RETURNED_BANK, on, paid, permit


def business_day_after(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_two_workers_sweeping_at_once_return_it_once_and_email_once(riverton, anon_client, smtp_sink,
                                                                     celery_workers, settings):
    settings.OUTBOX_DELIVERY = "worker"
    # The workers run on today's clock: paid on the latest business day whose return is due by today.
    today = timezone.localdate(timezone=riverton.tenant.zone)
    day = today
    while business_day_after(business_day_after(business_day_after(day))) > today or day.weekday() >= 5:
        day -= timedelta(days=1)
    with on(riverton, day.year, day.month, day.day):
        payment = paid(riverton, anon_client, items=[permit("64.00")], bank=RETURNED_BANK, payer_name="Rosa Diaz")

    celery_workers(), celery_workers()
    results = [find_returns.delay() for _ in range(4)]  # beat's daily run, and three more, on two workers
    outcomes = [result.get(timeout=90) for result in results]

    assert sorted(o["riverton"] for o in outcomes) == [[], [], [], [payment.reference]]
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.RETURNED
    assert PaymentEvent.objects.filter(payment=payment, to_state="returned").count() == 1
    smtp_sink.wait_for(3, timeout=60)  # the receipt of the payment, then the two about its return
    wait_for(lambda: not OutboundEmail.objects.filter(state="queued").exists(), what="the outbox to deliver")
    time.sleep(2)  # a duplicate would arrive in the pause
    returned = sorted((m["To"], m["Subject"]) for m in smtp_sink.messages() if "returned" in m["Subject"])
    assert returned == [
        ("carl@riverton.example", f"[City of Riverton] Payment {payment.reference} was returned by the bank"),
        ("rosa@example.org", f"Your payment {payment.reference} to City of Riverton was returned by your bank")]
    assert smtp_sink.count() == 3
