"""Exactly once, with real processes: four Celery workers, two beat-like schedulers, two clerks pressing
Schedule Payments while the automatic run fires, a worker SIGKILLed mid-charge, the billing system down
for part of the charging, and a second period closed later. Every (enrollment, bill) ends with one
provider charge and one Cash Receipting receipt, reconciled by count and cents."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from autopay import charging, scheduling
from autopay.enrollment import autopay_settings
from autopay.models import ScheduledPayment
from autopay.tasks import run_autopay
from billing.accounts import periods
from billing.payments.models import PaymentItem
from billing.payments.posting import post_due_items
from billing.payments.recovery import sweep
from billing.tasks import post_waiting_payments
from cows_bridge import client as cows
from portal.celery import app as celery_app
from sandboxpay.models import SandboxCharge
from tests.autopay.conftest import enroll, saved_method
from tests.conftest import wait_for
from tests.factories import MembershipFactory, UserFactory

OFFICE = "autopay-chaos"
S = ScheduledPayment.State
pytestmark = pytest.mark.django_db(transaction=True)


def payable_numbers(city, count: int) -> list[str]:
    """Customer numbers of ordinary accounts (no Direct Pay, no blocked payment type)."""
    numbers = [f"001-{n:04d}-00" for n in range(1, 80)]
    found, _missing = cows.get_accounts(city.tenant, numbers)
    good = [s.customer_number for s in found.values() if s.active and not s.direct_pay and not any(s.udf.values())]
    assert len(good) >= count
    return sorted(good)[:count]


def in_threads(*targets) -> list:
    results, barrier = [], threading.Barrier(len(targets))

    def run(target):
        barrier.wait()
        try:
            results.append(target())
        except scheduling.ScheduleRefused as exc:
            results.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def settle_everything(city) -> None:
    """What beat and the janitors do after a while: dead workers' rows finished, every receipt posted."""
    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        sweep(older_than=timedelta(0))
        charging.recover(tenant=city.tenant)
    for _ in range(5):
        post_due_items(tenant=city.tenant, force=True)


def reconcile(sim, city) -> int:
    """One charge and one receipt per paid (account, bill); cents agree everywhere. Returns how many were paid."""
    paid = list(ScheduledPayment.objects.filter(tenant=city.tenant, state=S.PAID).select_related("payment"))
    keys = [(sp.account_key, sp.period_id) for sp in ScheduledPayment.objects.exclude(state=S.CANCELLED)]
    assert len(keys) == len(set(keys))
    charges = SandboxCharge.objects.filter(idempotency_key__startswith="autopay-", status="succeeded")
    assert sorted(c.idempotency_key for c in charges) == sorted(sp.idempotency_key for sp in paid)
    assert sum((c.amount for c in charges), Decimal("0")) == sum((sp.payment.total for sp in paid), Decimal("0"))
    items = PaymentItem.objects.filter(payment__scheduled_payments__in=paid)
    assert items.count() == len(paid) and not items.exclude(post_state="posted").exists()
    for item in items:
        receipt = cows.get_receipt(city.tenant, item.reference)
        assert (receipt.confirmation_number, receipt.amount) == (item.confirmation_number, item.amount)
    return len(paid)


def test_every_bill_is_charged_and_receipted_exactly_once_through_races_kills_and_outages(
        own_office, riverton, celery_workers):
    sim = own_office(riverton, OFFICE, customers=60, seed=23)
    tenant = riverton.tenant
    settings = autopay_settings(tenant)
    settings.max_days_before_due, settings.charge_hour = 28, 0
    settings.save()
    numbers = payable_numbers(riverton, 8)
    for n, number in enumerate(numbers):
        user = UserFactory(email=f"payer{n}@example.org")
        MembershipFactory(tenant=tenant, user=user)
        enroll(riverton, number, saved_method(riverton, user), user=user, days=28)  # due within 28 days: "now"
    periods.poll_period_state(tenant=tenant)

    celery_app.control.purge()
    workers = [celery_workers() for _ in range(4)]
    stop = threading.Event()

    def beat():
        while not stop.is_set():
            run_autopay.delay()
            post_waiting_payments.delay()
            stop.wait(0.4)

    beats = [threading.Thread(target=beat) for _ in range(2)]
    for b in beats:
        b.start()
    try:
        # Re-reads of balances are slow, so workers are caught mid-charge.
        sim.set_fault(operation="account_summary", mode="slow", delay=0.8, office=OFFICE)
        sim.close_period(OFFICE)
        outcomes = in_threads(
            lambda: scheduling.schedule_payments(tenant=tenant, actor="clerk", actor_user=riverton.clerk).pk,
            lambda: scheduling.schedule_payments(tenant=tenant, actor="clerk", actor_user=riverton.clerk).pk,
            lambda: periods.poll_period_state(tenant=tenant))  # the automatic run, queued to the workers
        assert sum(isinstance(o, int) and not isinstance(o, bool) for o in outcomes) <= 1
        wait_for(lambda: ScheduledPayment.objects.filter(tenant=tenant, state=S.CHARGING).exists(), timeout=60,
                 what="a payment being charged")
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        workers.append(celery_workers())
        sim.set_fault(operation="*", mode="error", status=503, office=OFFICE)  # COWS down a while
        time.sleep(2.0)
        sim.clear_faults()
        wait_for(lambda: not ScheduledPayment.objects.filter(tenant=tenant, state=S.PENDING,
                                                             charge_on__lte=timezone.localdate(timezone=tenant.zone))
                 .exists(), timeout=120, what="every due payment claimed")
    finally:
        stop.set()
        for b in beats:
            b.join(timeout=10)
    settle_everything(riverton)
    first = reconcile(sim, riverton)
    assert first >= len(numbers)  # each enrolled account's bill of the closed period (and any older one due)

    # A month later: the next period closes and its bills are charged on their day, by two sweeps at once.
    for w in workers:
        w.terminate()
    sim.close_period(OFFICE, force=True)
    run = scheduling.schedule_payments(tenant=tenant, actor="clerk", actor_user=riverton.clerk)
    later = list(ScheduledPayment.objects.filter(tenant=tenant, period_id=run.period_id))
    assert len(later) == len(numbers) and {sp.state for sp in later} == {S.PENDING}
    charge_day = max(sp.charge_on for sp in later)
    with time_machine.travel(datetime.combine(charge_day, datetime.min.time(), tzinfo=tenant.zone)
                             + timedelta(hours=6)):
        in_threads(lambda: charging.charge_due(tenant=tenant), lambda: charging.charge_due(tenant=tenant))
    settle_everything(riverton)
    assert reconcile(sim, riverton) == first + len(numbers)
