"""Posting a backlog: claimed in batches, receipts recorded together with their payments' moves, each once."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.payments import posting
from billing.payments.models import Payment, PaymentItem

from .payhelpers import pay


def test_a_backlog_posts_each_receipt_once_in_a_few_claims_and_transactions(cows, riverton, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    cows.set_fault(operation="post_receipt", mode="error", status=503, office="riverton")
    payments = [pay(client, account, f"{10 + n}.00") for n in range(20)]
    for payment in payments:
        posting.post_payment_items(payment_id=payment.id)  # COWS is down: each waits
    cows.clear_faults()
    items = PaymentItem.objects.filter(payment__in=payments)
    assert items.filter(post_state=PaymentItem.PostState.WAITING).count() == 20

    with CaptureQueriesContext(connection) as captured:
        assert posting.post_due_items(tenant=riverton.tenant, force=True) == {"posted": 20}
    statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # A few claims, and the receipts of each moment recorded together: at most two statements a receipt
    # (one by one it took seven a receipt: claim, read, item, lock, check, event, payment).
    assert len(statements) <= 2 * 20, "\n".join(statements)
    claims = [s for s in statements if s.startswith("UPDATE") and '."attempts" + ' in s]
    assert 1 <= len(claims) <= 4  # a few batches, not one claim per item

    assert posting.post_due_items(tenant=riverton.tenant, force=True) == {}
    for payment in payments:
        payment.refresh_from_db()
        assert payment.state == Payment.State.POSTED
        assert payment.events.filter(to_state="posted").count() == 1
    for item in items:
        receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()
        assert receipt["confirmation_number"] == item.confirmation_number
