"""Retry Now clicked while a real worker posts the same waiting payments: each is posted once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from billing.payments.models import PaymentItem
from billing.payments.tasks import post_waiting_payments

from ..billing.payhelpers import pay
from ..conftest import link_sample, wait_for

RETRY = "/office/payments/pending/retry/"


def worker_runs(worker) -> int:
    log = worker.log_path.read_text()
    return sum(1 for line in log.splitlines() if "post_waiting_payments[" in line and "succeeded" in line)


@pytest.mark.django_db(transaction=True)
def test_retry_now_clicked_concurrently_with_the_worker_one_receipt(celery_worker_process, cows, riverton,
                                                                      client_for):
    account = link_sample(cows, riverton, 1)
    resident = client_for(riverton.resident, riverton.tenant)
    # Caselle is down while the payments are taken: the worker's first try at each fails.
    cows.set_fault(operation="post_receipt", mode="error", status=503, office="riverton")
    payments = [pay(resident, account, f"{10 + n}.00", kind="card" if n % 2 else "ach") for n in range(5)]
    items = PaymentItem.objects.filter(payment__in=payments)
    wait_for(lambda: items.filter(attempts__gte=1, claimed_until__isnull=True).exclude(last_error="").count() == 5,
             what="the worker's failed first attempts")
    assert items.filter(post_state="waiting").count() == 5

    # Caselle is back (a little slow, which widens the race), and every retry time has come.
    cows.clear_faults()
    cows.set_fault(operation="post_receipt", mode="slow", delay=0.3, office="riverton")
    items.update(next_attempt_at=timezone.now())
    clerks = [client_for(riverton.clerk, riverton.tenant) for _ in range(3)]

    def retry(client):
        try:
            return client.post(RETRY).status_code
        finally:
            connections.close_all()

    post_waiting_payments.delay()  # what beat sends
    with ThreadPoolExecutor(max_workers=3) as pool:
        statuses = list(pool.map(retry, clerks))
    post_waiting_payments.delay()
    assert statuses == [302, 302, 302]
    wait_for(lambda: items.filter(post_state="posted").count() == 5, what="every item posted")
    wait_for(lambda: worker_runs(celery_worker_process) == 2, what="the worker's two rounds")

    for item in items:
        assert item.confirmation_number
        receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()
        assert receipt["confirmation_number"] == item.confirmation_number
        day = cows.get("/receipts", office="riverton", params={"date": receipt["posted_at"][:10]}).json()
        assert [r["reference"] for r in day["receipts"]].count(item.reference) == 1
    confirmations = list(items.values_list("confirmation_number", flat=True))
    assert len(set(confirmations)) == 5
    for payment in payments:
        payment.refresh_from_db()
        assert payment.state == "posted"
        assert payment.events.filter(to_state="posted").count() == 1
