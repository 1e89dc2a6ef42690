"""Money taken for a payment already marked failed is kept for the office: post it, or refund it, once."""

from __future__ import annotations

import html
import json
import logging
import time
import uuid

import pytest

from billing.payments import checkout, posting
from billing.payments.late_success import refund_key
from billing.payments.models import Payment, PaymentItem
from billing.payments.providers.sandbox import SandboxProvider
from billing.payments.states import RECOVERY
from sandboxpay.models import SandboxCharge

from ..billing.payhelpers import DECLINED, card_token, reference_of, start_utility_payment
from .audit_helpers import audit_rows

PENDING = "/office/payments/pending/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def declined_payment(client, account) -> Payment:
    reference = reference_of(start_utility_payment(client, account, "30.00", card_token(client, DECLINED)))
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == Payment.State.FAILED
    return payment


@pytest.fixture
def late(cows, riverton, account, client_for, caplog):
    """A declined payment for which the sandbox then reports money taken (a recovered answer)."""
    client = client_for(riverton.resident, riverton.tenant)
    payment = declined_payment(client, account)
    taken = SandboxProvider(riverton.tenant).charge(
        amount=payment.total, token=card_token(client), customer_token="", idempotency_key=f"{payment.reference}-late",
        description="", metadata={}, customer_present=True)
    with caplog.at_level(logging.ERROR):
        checkout.record_charge_result(payment=payment, succeeded=True, provider_payment_id=taken.provider_payment_id,
                                      actor=RECOVERY)
    payment.refresh_from_db()
    return payment, taken.provider_payment_id


def test_a_success_for_a_failed_payment_is_kept_logged_and_shown_to_the_office(late, riverton, client_for, caplog):
    payment, charge_id = late
    assert payment.state == Payment.State.FAILED
    assert payment.late_success_at is not None and payment.late_success_payment_id == charge_id
    event = payment.events.order_by("at", "id").last()
    assert (event.from_state, event.to_state, event.actor) == ("failed", "failed", "recovery")
    assert charge_id in event.reason
    assert any(r.levelno == logging.ERROR and getattr(r, "reference", "") == payment.reference
               for r in caplog.get_records("setup"))

    body = text(client_for(riverton.clerk, riverton.tenant).get(PENDING))
    assert "Needs attention" in body and payment.reference in body and charge_id in body
    assert "Post it" in body and "Refund it" in body


def test_the_same_late_success_twice_is_recorded_once(late):
    payment, charge_id = late
    checkout.record_charge_result(payment=payment, succeeded=True, provider_payment_id=charge_id, actor=RECOVERY)
    assert payment.events.filter(from_state="failed", to_state="failed").count() == 1


def test_post_it_clicked_twice_then_refund_it_posts_once_and_refunds_nothing(late, riverton, client_for, cows):
    payment, charge_id = late
    clerk = client_for(riverton.clerk, riverton.tenant)
    first = clerk.post(f"/office/payments/{payment.reference}/post-late/", follow=True)
    assert "will be posted to Cash Receipting" in text(first)
    again = clerk.post(f"/office/payments/{payment.reference}/post-late/", follow=True)
    assert "was already handled" in text(again)
    refund = clerk.post(f"/office/payments/{payment.reference}/refund-late/", follow=True)
    assert "was already handled" in text(refund)

    payment.refresh_from_db()
    assert (payment.state, payment.provider_payment_id) == (Payment.State.CHARGED, charge_id)
    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    assert posting.post_due_items(force=True) == {}
    item = payment.items.get()
    receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()
    assert receipt["confirmation_number"] == item.confirmation_number
    assert not SandboxCharge.objects.filter(idempotency_key=refund_key(payment)).exists()
    moved = payment.events.get(from_state="failed", to_state="charged")
    assert (moved.actor, moved.actor_user) == ("clerk", riverton.clerk)
    assert "Needs attention" not in text(clerk.get(PENDING))
    assert audit_rows(riverton, "payment.post_late") == [(riverton.clerk, payment.reference, {})]  # the real one only


def test_refund_it_clicked_twice_then_post_it_refunds_once_and_posts_nothing(late, riverton, client_for):
    payment, charge_id = late
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert "was refunded" in text(clerk.post(f"/office/payments/{payment.reference}/refund-late/", follow=True))
    assert "was already handled" in text(clerk.post(f"/office/payments/{payment.reference}/refund-late/", follow=True))
    assert "was already handled" in text(clerk.post(f"/office/payments/{payment.reference}/post-late/", follow=True))

    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    [refund] = SandboxCharge.objects.filter(token=charge_id, status="refunded")
    assert refund.amount == -payment.total and refund.idempotency_key == refund_key(payment)
    assert payment.items.get().post_state == PaymentItem.PostState.VOID
    moved = payment.events.get(to_state="refunded")
    assert (moved.from_state, moved.actor, moved.actor_user) == ("failed", "clerk", riverton.clerk)
    assert refund.charge_id in moved.reason
    assert audit_rows(riverton, "payment.refund_late") == [(riverton.clerk, payment.reference, {})]


def test_the_actions_are_post_only_and_for_the_office(late, riverton, lakeside, client_for):
    payment, _ = late
    clerk = client_for(riverton.clerk, riverton.tenant)
    for action in ("post-late", "refund-late"):
        url = f"/office/payments/{payment.reference}/{action}/"
        assert clerk.get(url).status_code == 405
        assert client_for(riverton.resident, riverton.tenant).post(url).status_code == 404
        assert client_for(lakeside.clerk, lakeside.tenant).post(url).status_code == 404
    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED and payment.late_success_at is not None


def stripe_event(intent: dict, kind: str) -> bytes:
    return json.dumps({"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "created": int(time.time()),
                       "data": {"object": intent}, "livemode": False, "type": kind}).encode()


def test_a_stripe_success_arriving_after_a_stale_failure_is_refunded_at_stripe(
        cows, riverton, stripe_riverton, localstripe, account, client_for, anon_client):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card("4000002500003155")))
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    intent = localstripe.get(f"/v1/payment_intents/{payment.provider_payment_id}")
    succeeded = localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key)
    # Stripe does not promise order: a failure from an earlier attempt arrives first, then the success.
    stale = {**succeeded, "status": "requires_payment_method",
             "last_payment_error": {"message": "Your card was declined."}}
    webhook = anon_client(riverton.tenant)
    for body in (stripe_event(stale, "payment_intent.payment_failed"),
                 stripe_event(succeeded, "payment_intent.succeeded")):
        assert webhook.post("/pay/webhooks/stripe/", data=body, content_type="application/json",
                            HTTP_STRIPE_SIGNATURE=stripe_riverton.signature(body)).content == b"handled"
    payment.refresh_from_db()
    assert payment.state == Payment.State.FAILED and payment.late_success_payment_id == succeeded["id"]
    assert payment.events.filter(from_state="failed", to_state="failed", actor="webhook:stripe").count() == 1

    clerk = client_for(riverton.clerk, riverton.tenant)
    assert "was refunded" in text(clerk.post(f"/office/payments/{reference}/refund-late/", follow=True))
    assert "was already handled" in text(clerk.post(f"/office/payments/{reference}/refund-late/", follow=True))
    refunds = localstripe.get("/v1/refunds", payment_intent=succeeded["id"])["data"]
    assert [(r["amount"], r["status"]) for r in refunds] == [(4000 + int(payment.fee * 100), "succeeded")]
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
