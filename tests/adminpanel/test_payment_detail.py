"""The office's payment detail: amount, fee, method, items with their receipts, and the whole history."""

from __future__ import annotations

import html
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone

from billing.payments import posting
from billing.payments.models import Payment, PaymentEvent

from ..billing.payhelpers import pay
from ..factories import PaymentFactory


def text(response) -> str:
    return html.unescape(response.content.decode())


def detail(payment) -> str:
    return f"/office/payments/{payment.reference}/"


def test_it_shows_the_payment_its_receipts_and_its_history_in_the_citys_time(cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "23.45")
    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    payment.refresh_from_db()
    item = payment.items.get()
    body = text(client_for(riverton.clerk, riverton.tenant).get(detail(payment)))

    assert f"Payment {payment.reference}" in body
    assert "$23.45" in body and f"${payment.fee}" in body and f"${payment.total}" in body
    assert f"Visa •••• {payment.method_last4}" in body
    assert f"Utility account {item.customer_number}" in body and item.confirmation_number in body
    words = " ".join(re.sub(r"<[^>]+>", " ", body).split())  # the page's words: a date and its time are two spans
    for event in payment.events.all():
        assert dateformat.format(timezone.localtime(event.at, riverton.tenant.zone), "M j, Y g:i:s A") in words
    assert "Customer: rosa@example.org" in body or "Customer: Rosa" in body
    assert "Automatic (post_payment)" in body and "posted to Cash Receipting" in body
    assert body.count("<tr>") == 1 + 1 + 1 + payment.events.count()  # two header rows, one item, each event


def test_pending_and_completed_payments_link_to_it(riverton, client_for):
    charged = PaymentFactory(city=riverton, state=Payment.State.CHARGED, items=1)
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert f'href="{detail(charged)}"' in text(clerk.get("/office/payments/pending/"))
    assert f'href="{detail(charged)}"' in text(clerk.get("/office/payments/"))


def test_its_query_count_does_not_grow_with_the_history(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)

    def queries_for(events: int) -> int:
        payment = PaymentFactory(city=riverton, state=Payment.State.FAILED, items=2)
        PaymentEvent.objects.bulk_create([
            PaymentEvent(tenant=riverton.tenant, payment=payment, from_state="processing", to_state="failed",
                         reason=f"try {n}", actor="clerk" if n % 2 else "task:post_payment",
                         actor_user=riverton.clerk if n % 2 else None) for n in range(events)])
        clerk.get(detail(payment))  # warm the session and the tenant
        with CaptureQueriesContext(connection) as captured:
            assert clerk.get(detail(payment)).status_code == 200
        return len(captured)

    assert queries_for(2) == queries_for(40)


def test_it_is_the_offices_alone(riverton, lakeside, client_for):
    payment = PaymentFactory(city=riverton, items=1)
    assert client_for(riverton.resident, riverton.tenant).get(detail(payment)).status_code == 404
    assert client_for(lakeside.clerk, lakeside.tenant).get(detail(payment)).status_code == 404
    assert client_for(riverton.clerk, riverton.tenant).post(detail(payment)).status_code == 405
