"""The payment state machine: one transition(), allowed moves only, an event with an actor for each."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import pytest

from billing.payments import posting
from billing.payments.models import Payment, PaymentEvent
from billing.payments.states import Actor, IllegalTransition, StateChanged, transition

from ..factories import PaymentFactory
from .payhelpers import DECLINED, card_token, pay, reference_of, start_utility_payment

ROOT = Path(__file__).resolve().parents[2]


def chain(payment) -> list[tuple[str, str, str]]:
    """The payment's history as (from, to, actor) rows, oldest first."""
    return list(payment.events.order_by("at", "id").values_list("from_state", "to_state", "actor"))


def test_a_posted_payment_cannot_become_failed_and_nothing_changes(riverton):
    payment = PaymentFactory(city=riverton, state=Payment.State.POSTED)
    with pytest.raises(IllegalTransition):
        transition(payment, Payment.State.FAILED, reason="oops", actor="task:test")
    payment.refresh_from_db()
    assert payment.state == Payment.State.POSTED
    assert not PaymentEvent.objects.filter(payment=payment).exists()


def test_a_move_someone_else_made_first_is_refused_and_recorded_once(riverton):
    payment = PaymentFactory(city=riverton, state=Payment.State.CREATED)
    stale = Payment.objects.get(pk=payment.pk)
    transition(payment, Payment.State.PROCESSING, reason="charging", actor=Actor.customer(riverton.resident))
    with pytest.raises(StateChanged):
        transition(stale, Payment.State.PROCESSING, reason="charging", actor="guest")
    events = list(PaymentEvent.objects.filter(payment=payment).values_list("from_state", "to_state", "actor", "actor_user"))
    assert events == [("created", "processing", "customer", riverton.resident.pk)]


def test_a_card_payment_and_its_posting_leave_a_chain_with_who_acted(cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "25.00")
    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    payment.refresh_from_db()
    assert payment.state == Payment.State.POSTED
    assert chain(payment) == [("", "created", "customer"), ("created", "processing", "customer"),
                              ("processing", "charged", "customer"), ("charged", "posted", "task:post_payment")]
    assert set(payment.events.exclude(actor="task:post_payment").values_list("actor_user", flat=True)) == {
        riverton.resident.pk}


def test_a_guest_whose_card_is_declined_leaves_a_chain_ending_failed(cows, riverton, anon_client):
    category = next(c for c in cows.get("/cash-receipting/categories", office="riverton").json()["categories"]
                    if not c["interfaced"] and any(d["allow_portal_payments"] for d in c["distributions"]))
    distribution = next(d for d in category["distributions"] if d["allow_portal_payments"])
    guest = anon_client(riverton.tenant)
    response = guest.post("/pay/other/", {"category": category["code"], "distribution": distribution["code"],
                                          "payor": "Pat Picnic", "amount": "75.00", "email": "pat@example.org",
                                          "method": "new-card", "new_token": card_token(guest, DECLINED),
                                          "action": "pay"})
    reference = reference_of(response)
    guest.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == Payment.State.FAILED
    assert chain(payment) == [("", "created", "guest"), ("created", "processing", "guest"),
                              ("processing", "failed", "guest")]
    assert not payment.events.exclude(actor_user=None).exists()


def test_retry_now_records_the_clerk_who_posted(cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "31.00")
    cows.set_fault(operation="post_receipt", mode="error", status=503, office="riverton")
    assert posting.post_payment_items(payment_id=payment.id) == ["waiting"]
    cows.clear_faults()
    assert client_for(riverton.clerk, riverton.tenant).post("/office/payments/pending/retry/").status_code == 302
    posted = payment.events.get(to_state=Payment.State.POSTED)
    assert (posted.from_state, posted.actor, posted.actor_user) == ("charged", "clerk", riverton.clerk)
    assert all(actor for _, _, actor in chain(payment))


def stripe_event(intent: dict, kind: str) -> bytes:
    return json.dumps({"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "created": int(time.time()),
                       "data": {"object": intent}, "livemode": False, "type": kind}).encode()


def test_a_stripe_webhook_records_the_charge_as_the_webhook(cows, riverton, stripe_riverton, localstripe, account,
                                                            client_for, anon_client):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card("4000002500003155")))
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == Payment.State.PROCESSING  # the bank wants 3-D Secure
    intent = localstripe.get(f"/v1/payment_intents/{payment.provider_payment_id}")
    intent = localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key)
    payload = stripe_event(intent, "payment_intent.succeeded")
    response = anon_client(riverton.tenant).post("/pay/webhooks/stripe/", data=payload, content_type="application/json",
                                                 HTTP_STRIPE_SIGNATURE=stripe_riverton.signature(payload))
    assert response.content == b"handled"
    payment.refresh_from_db()
    assert payment.state == Payment.State.CHARGED
    rows = chain(payment)
    assert rows[-1] == ("processing", "charged", "webhook:stripe")
    assert rows[0] == ("", "created", "customer") and all(actor for _, _, actor in rows)


WRITE = re.compile(r"(?<![\w.])\w+\.state\s*=(?!=)|\.update\([^)]*(?<![\w_])state\s*=|"
                   r"\.create\([^)]*(?<![\w_])state\s*=")


def test_no_code_but_the_state_machine_writes_a_payments_state():
    offenders = []
    # communications/ is left out: its states are of emails, texts and runs (the outbox, Email Events, Email Bills),
    # which move by their own claims; it never writes a payment (it imports no payment model to write).
    for folder in ("billing", "adminpanel", "autopay", "customers", "portal", "sandboxpay"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or path.name == "states.py":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if WRITE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    importers = [str(path.relative_to(ROOT)) for path in (ROOT / "communications").rglob("*.py")
                 if re.search(r"billing\.payments(\.models|\.states| import .*\b(models|states)\b)", path.read_text())]
    assert importers == []
