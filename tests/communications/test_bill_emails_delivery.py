"""Email Bills end to end: a close in the simulator, real workers, a real SMTP server (FAQ 2's two cases)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.accounts import periods
from communications.bill_emails.models import BillEmailRun
from communications.bill_emails.tasks import send_bill_emails, sweep_bill_emails
from communications.outbox.models import OutboundEmail
from tests.conftest import link_sample, wait_for

from .test_bill_emails import go_paperless, twin

SLUG = "billmail-smtp"


@pytest.fixture
def workers(celery_workers, settings, monkeypatch):
    """Real workers that deliver through the outbox and keep bill PDFs in this test's own private folder (a PDF
    another test's worker cached under the same city id and bill id is not this test's)."""
    settings.OUTBOX_DELIVERY = "worker"
    monkeypatch.setenv("PRIVATE_FILES_ROOT", str(settings.PRIVATE_FILES_ROOT))
    return celery_workers


def test_after_a_close_each_address_gets_exactly_one_email_with_the_bill_pdf(own_office, riverton, smtp_sink,
                                                                             workers):
    sim = own_office(riverton, SLUG, customers=30, seed=21)
    first, second = sim.samples(SLUG)
    periods.poll_period_state(tenant=riverton.tenant)
    go_paperless(riverton, link_sample(sim, riverton, 0))  # Rosa and Caselle's address differ: both
    go_paperless(riverton, link_sample(sim, riverton, 1, user=twin(riverton, second)))  # the same address: once
    workers(), workers()

    sim.close_period(SLUG)
    assert periods.poll_period_state(tenant=riverton.tenant) is True  # the close starts the run and its task
    run = BillEmailRun.objects.get(tenant=riverton.tenant)
    send_bill_emails.delay(run.pk)  # the same task twice, and a sweep, on two workers: still once each
    sweep_bill_emails.delay()

    smtp_sink.wait_for(3, timeout=60)
    wait_for(lambda: BillEmailRun.objects.get(pk=run.pk).state == "done", what="the run to finish")
    wait_for(lambda: not OutboundEmail.objects.filter(source=run.source, state="queued").exists(),
             what="the outbox to deliver every row")
    time.sleep(2)  # anything sent twice would arrive now

    expected = sorted(["rosa@example.org", first["email"].lower(), second["email"].lower()])
    assert sorted(r.lower() for r in smtp_sink.recipients()) == expected
    for message in smtp_sink.messages():
        [pdf] = list(message.iter_attachments())
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_filename().startswith("bill-") and pdf.get_content().startswith(b"%PDF-")
        assert message["Subject"].startswith("Your City of Riverton utility bill for account ")
        assert message.get_body(("plain",)) is not None


def test_a_worker_killed_in_the_middle_of_a_run_leaves_the_rest_to_another_once(own_office, riverton, smtp_sink,
                                                                                workers):
    sim = own_office(riverton, SLUG, customers=30, seed=21)
    first, second = sim.samples(SLUG)
    periods.poll_period_state(tenant=riverton.tenant)
    go_paperless(riverton, link_sample(sim, riverton, 0))
    go_paperless(riverton, link_sample(sim, riverton, 1, user=twin(riverton, second)))
    sim.set_fault(operation="bills", mode="slow", delay=5, times=1, office=SLUG)  # the first bill takes a while
    doomed = workers()

    sim.close_period(SLUG)
    assert periods.poll_period_state(tenant=riverton.tenant) is True
    run = BillEmailRun.objects.get(tenant=riverton.tenant)
    wait_for(lambda: BillEmailRun.objects.get(pk=run.pk).claim_token != "", what="a worker to claim the run")
    time.sleep(1.5)  # it is waiting for the slow answer now
    doomed.kill()  # SIGKILL: no chance to clean up
    doomed.wait(timeout=10)
    assert not OutboundEmail.objects.filter(source=run.source).exists()

    # Its claim runs out (as after CLAIM_FOR), and beat's sweep on another worker takes the run over.
    BillEmailRun.objects.filter(pk=run.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    workers()
    sweep_bill_emails.delay()

    smtp_sink.wait_for(3, timeout=60)
    wait_for(lambda: BillEmailRun.objects.get(pk=run.pk).state == "done", what="the run to finish")
    time.sleep(2)
    expected = sorted(["rosa@example.org", first["email"].lower(), second["email"].lower()])
    assert sorted(r.lower() for r in smtp_sink.recipients()) == expected
