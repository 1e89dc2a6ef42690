"""Queueing email: a row per address committed with its cause, once per key, unsubscribed addresses kept back."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from communications.outbox import Outgoing, attach_file, queue_email, queue_messages, queue_templated
from communications.outbox.models import EmailAttachment, OutboundEmail
from customers.notifications import Category
from customers.notifications.writes import unsubscribe

CONTEXT = {"name": "Rosa Rivera", "customer_number": "001-0042-00", "amount_due": "$84.20", "due_date": "Dec 18, 2026",
           "pay_link": "http://riverton.localhost/pay/utility/1000420/", "city": "City of Riverton",
           "office_contact": "City of Riverton"}


def remind(riverton, to, key="event:1:0010042:bill-7"):
    return queue_templated(tenant=riverton.tenant, kind="payment_reminder", to=to, context=CONTEXT, key=key,
                           category=Category.REMINDERS)


def test_the_same_key_queues_once_and_an_address_once_whatever_its_case(riverton):
    assert remind(riverton, ["rosa@example.org", "ROSA@example.org ", ""]) == 1
    assert remind(riverton, ["Rosa@Example.org"]) == 0  # a second beat, a retried task
    [row] = OutboundEmail.objects.filter(tenant=riverton.tenant)
    assert (row.kind, row.category, row.state, row.to) == ("payment_reminder", "reminders", "sent", "rosa@example.org")
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == row.subject


def test_an_unsubscribed_address_is_kept_back_for_that_category_only(riverton):
    unsubscribe(tenant=riverton.tenant, address="rosa@example.org", category=Category.REMINDERS)
    assert remind(riverton, ["rosa@example.org", "ana@example.org"]) == 1
    states = dict(OutboundEmail.objects.values_list("to", "state"))
    assert states == {"rosa@example.org": "suppressed", "ana@example.org": "sent"}
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    # Receipts and other transactional mail always go.
    queue_email(tenant=riverton.tenant, kind="office_notice", to=["rosa@example.org"], subject="Hi", text="Hello")
    assert mail.outbox[-1].to == ["rosa@example.org"] and "List-Unsubscribe" not in mail.outbox[-1].extra_headers


def test_rows_are_committed_with_the_change_that_queued_them(riverton, settings):
    settings.OUTBOX_DELIVERY = "worker"
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            remind(riverton, ["rosa@example.org"])
            raise RuntimeError("the payment failed after all")
    assert not OutboundEmail.objects.exists() and mail.outbox == []


def test_the_message_carries_the_city_and_its_address(riverton):
    settings = riverton.tenant.portal_settings
    settings.office_address, settings.office_email = "100 Main St\nRiverton, CO 80000", "office@riverton.example"
    settings.save()
    remind(riverton, ["rosa@example.org"])
    [message] = mail.outbox
    assert message.from_email == "City of Riverton <no-reply@localhost>"
    assert message.reply_to == ["office@riverton.example"]
    assert "\n--\nCity of Riverton\n100 Main St, Riverton, CO 80000\n" in message.body
    html = message.alternatives[0][0]
    assert "<strong>City of Riverton</strong><br>100 Main St, Riverton, CO 80000" in html
    assert message.extra_headers["Message-ID"] == OutboundEmail.objects.get().message_id


def test_bulk_queueing_ignores_keys_already_queued_and_shares_one_attachment(riverton):
    pdf = attach_file(tenant=riverton.tenant, filename="rates.pdf", content_type="application/pdf",
                      data=b"%PDF-1.4 rates")
    assert attach_file(tenant=riverton.tenant, filename="rates.pdf", content_type="application/pdf",
                       data=b"%PDF-1.4 rates") == pdf  # stored once
    messages = [Outgoing(to=f"person{i}@example.org", subject="Rates", text="New rates", html="<p>New rates</p>",
                         key=f"campaign:1:{i}") for i in range(5)]
    assert queue_messages(tenant=riverton.tenant, kind="campaign", category=Category.NEWSLETTERS, messages=messages[:3],
                          attachment=pdf, source="campaign:1") == 3
    assert queue_messages(tenant=riverton.tenant, kind="campaign", category=Category.NEWSLETTERS, messages=messages,
                          attachment=pdf, source="campaign:1") == 2
    assert OutboundEmail.objects.filter(source="campaign:1", state="sent").count() == 5
    assert EmailAttachment.objects.count() == 1
    assert all(m.attachments == [("rates.pdf", b"%PDF-1.4 rates", "application/pdf")] for m in mail.outbox)


def test_each_city_keeps_its_own_keys(riverton, lakeside):
    remind(riverton, ["rosa@example.org"], key="same")
    remind(lakeside, ["rosa@example.org"], key="same")
    assert sorted(OutboundEmail.objects.values_list("tenant__slug", flat=True)) == ["lakeside", "riverton"]


def test_a_transaction_that_queues_many_times_asks_for_one_delivery(riverton, lakeside, settings,
                                                                     django_capture_on_commit_callbacks):
    settings.OUTBOX_DELIVERY = "worker"
    with django_capture_on_commit_callbacks() as callbacks:
        for i in range(5):
            remind(riverton, [f"p{i}@example.org"], key=f"k{i}")
        remind(lakeside, ["lena@example.org"])
    assert sorted(c.outbox_tenant for c in callbacks) == sorted([riverton.tenant.pk, lakeside.tenant.pk])
    assert OutboundEmail.objects.filter(state="queued").count() == 6
