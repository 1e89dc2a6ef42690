"""Delivering the outbox over real SMTP (aiosmtpd): once per row, retried when the server says later, failed when it
refuses, and never twice when a worker dies in the middle of a message."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from communications.outbox import queue_email
from communications.outbox.delivery import _claim, deliver_due, send_one
from communications.outbox.models import OutboundEmail
from communications.outbox.transport import SmtpTransport

pytestmark = pytest.mark.usefixtures("smtp_sink")


@pytest.fixture(autouse=True)
def by_worker(settings):
    settings.OUTBOX_DELIVERY = "worker"  # rows wait for deliver_due, as they wait for a worker


def notice(riverton, *addresses, key=None):
    return queue_email(tenant=riverton.tenant, kind="office_notice", to=list(addresses), subject="Water main work",
                       text="Elm Street is closed on Monday.", key=key)


def test_a_queued_email_goes_out_once_with_its_message_id(riverton, smtp_sink):
    notice(riverton, "rosa@example.org", "ana@example.org")
    assert smtp_sink.count() == 0  # nothing leaves before a worker delivers
    assert deliver_due(tenant=riverton.tenant)["sent"] == 2
    assert deliver_due(tenant=riverton.tenant)["sent"] == 0
    assert sorted(smtp_sink.recipients()) == ["ana@example.org", "rosa@example.org"]
    rows = {r.to: r for r in OutboundEmail.objects.all()}
    for message in smtp_sink.messages():
        row = rows[message["To"]]
        assert message["Message-ID"] == row.message_id and row.state == "sent" and row.sent_at is not None
        assert message["From"] == "City of Riverton <no-reply@localhost>"
        assert "Elm Street is closed on Monday." in message.get_body(("plain",)).get_content()


def test_try_later_waits_with_back_off_then_goes_out_once(riverton, smtp_sink):
    notice(riverton, "rosa@example.org")
    smtp_sink.refuse(451)
    assert deliver_due(tenant=riverton.tenant)["retry"] == 1
    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "SMTP 451: Try again later")
    assert timedelta(seconds=50) < row.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert deliver_due(tenant=riverton.tenant)["sent"] == 0  # not before its time
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert deliver_due(tenant=riverton.tenant)["sent"] == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")
    assert smtp_sink.count() == 1


def test_a_refusal_fails_the_email_at_once_and_says_why(riverton, smtp_sink):
    notice(riverton, "gone@example.org")
    smtp_sink.refuse(550)
    assert deliver_due(tenant=riverton.tenant)["failed"] == 1
    row = OutboundEmail.objects.get()
    assert (row.state, row.last_error, row.next_attempt_at) == ("failed", "SMTP 550: Mailbox unavailable", None)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert deliver_due(tenant=riverton.tenant) == {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    assert smtp_sink.count() == 0


def test_the_server_down_keeps_every_email_for_later(riverton, smtp_sink, settings):
    notice(riverton, "a@example.org", "b@example.org", "c@example.org")
    settings.EMAIL_PORT = smtp_sink.port + 1 if smtp_sink.port < 65535 else smtp_sink.port - 1  # nobody listens
    counts = deliver_due(tenant=riverton.tenant)
    assert counts["retry"] == 1 and counts["sent"] == 0  # the batch stops at the first connection refused
    first = OutboundEmail.objects.filter(attempts=1).get()
    assert first.state == "queued" and "ConnectionRefusedError" in first.last_error
    assert OutboundEmail.objects.filter(state="queued", claim_token="").count() == 3  # nothing left claimed
    settings.EMAIL_PORT = smtp_sink.port
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert deliver_due(tenant=riverton.tenant)["sent"] == 3
    assert sorted(smtp_sink.recipients()) == ["a@example.org", "b@example.org", "c@example.org"]


def test_a_worker_that_dies_mid_message_leaves_it_to_be_sent_once(riverton, smtp_sink):
    notice(riverton, "rosa@example.org")
    token, [row] = _claim(riverton.tenant, limit=10)
    dying = SmtpTransport()
    from communications.outbox.delivery import build

    dying.prepare(build(row, {}))  # MAIL, RCPT, DATA and the content: everything but the final "."
    dying.abort()  # the process is gone: the connection drops before the row was recorded
    assert smtp_sink.count() == 0  # the server threw the unfinished message away
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):  # its claim runs out
        assert deliver_due(tenant=riverton.tenant)["sent"] == 1
    assert smtp_sink.count() == 1


def test_a_worker_whose_claim_runs_out_drops_its_message_unsent(riverton, smtp_sink):
    notice(riverton, "rosa@example.org")
    token, [row] = _claim(riverton.tenant, limit=10)
    via = SmtpTransport()
    with time_machine.travel(row.claimed_until - timedelta(seconds=5)):  # another worker may take it any moment
        assert send_one(row, token=token, via=via, files={}) == "skipped"
    via.close()
    assert smtp_sink.count() == 0 and OutboundEmail.objects.get().state == "queued"


def test_a_refusal_of_the_finished_message_is_recorded_not_sent(riverton, smtp_sink):
    notice(riverton, "rosa@example.org")
    smtp_sink.refuse(554)  # the server refuses the message at its final "."
    assert deliver_due(tenant=riverton.tenant)["failed"] == 1
    row = OutboundEmail.objects.get()
    assert (row.state, row.sent_at, row.last_error) == ("failed", None, "SMTP 554: Mailbox unavailable")


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_every_email_exactly_once(riverton, smtp_sink):
    if connection.vendor == "sqlite":
        connection.close()  # each thread opens its own connection to the test database file
    queue_email(tenant=riverton.tenant, kind="office_notice", to=[f"p{i}@example.org" for i in range(300)],
                subject="Hydrant flushing", text="Monday 8am to noon.")
    results = []

    def worker():
        try:
            results.append(deliver_due(tenant=riverton.tenant))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recipients = smtp_sink.recipients()
    assert len(recipients) == 300 and len(set(recipients)) == 300
    assert sum(r["sent"] for r in results) == 300
    assert OutboundEmail.objects.filter(state="sent").count() == 300


def test_a_real_worker_delivers_what_a_commit_queued(riverton, smtp_sink, celery_workers, transactional_db):
    celery_workers()
    notice(riverton, "rosa@example.org")  # autocommit: the commit asks a worker at once
    smtp_sink.wait_for(1)
    assert smtp_sink.recipients() == ["rosa@example.org"]
    assert OutboundEmail.objects.get().state == "sent"
