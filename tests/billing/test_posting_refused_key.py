"""Posting while COWS refuses the portal's key: the payment waits like in an outage (never refused for good, never
lost) and is posted exactly once when the key is fixed."""

from __future__ import annotations

import html
from datetime import timedelta

from django.utils import timezone

from billing.payments import posting

from ..conftest import connect_to_office
from .payhelpers import pay

PENDING = "/office/payments/pending/"


def test_a_payment_posted_while_the_key_is_refused_waits_and_is_posted_once_when_it_is_fixed(
        cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "27.50")
    riverton.tenant.cows_api_key = "not-the-key"
    riverton.tenant.save()

    assert posting.post_payment_items(payment_id=payment.id) == ["waiting"]
    item = payment.items.get()
    assert item.post_state == "waiting" and item.last_error == "COWS refused the portal's key (401)"
    # Retried on the outage back-off (30 s first), not put aside for an hour for a person to look at.
    assert item.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert cows.get(f"/receipts/{item.reference}", office="riverton").status_code == 404
    page = html.unescape(client_for(riverton.clerk, riverton.tenant).get(PENDING).content.decode())
    assert item.reference in page and "COWS refused the portal's key (401)" in page

    assert posting.post_due_items(tenant=riverton.tenant, force=True) == {"waiting": 1}

    connect_to_office(riverton, cows, "riverton")
    assert posting.post_due_items(tenant=riverton.tenant, force=True) == {"posted": 1}
    item.refresh_from_db()
    payment.refresh_from_db()
    assert item.post_state == "posted" and payment.state == "posted"
    receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()
    assert receipt["confirmation_number"] == item.confirmation_number and receipt["amount"] == "27.50"
    assert posting.post_due_items(tenant=riverton.tenant, force=True) == {}


def test_a_403_on_receipts_alone_keeps_the_payment_waiting_with_the_reason(cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "12.00")
    cows.set_fault(operation="post_receipt", mode="error", status=403, office="riverton")

    assert posting.post_payment_items(payment_id=payment.id) == ["waiting"]
    item = payment.items.get()
    assert item.post_state == "waiting" and item.last_error == "COWS refused the portal's key (403)"
    assert item.next_attempt_at <= timezone.now() + timedelta(seconds=30)

    cows.clear_faults()
    assert posting.post_due_items(tenant=riverton.tenant, force=True) == {"posted": 1}
    payment.refresh_from_db()
    assert payment.state == "posted"
