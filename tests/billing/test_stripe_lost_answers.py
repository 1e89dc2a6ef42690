"""A charge whose answer is lost on the way back is asked again with the same key, and charged once.

localstripe ignores Idempotency-Key, so a small proxy in front of it does what Stripe documents:
the first request with a key is forwarded, and a request with a key seen before gets the first
answer again. While "losing", the proxy forwards a PaymentIntent request (localstripe charges the
card) and then drops the connection instead of answering.
"""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from billing.payments import checkout
from billing.payments.models import Payment

from .payhelpers import reference_of, start_utility_payment

FORWARDED = ("Authorization", "Content-Type", "Idempotency-Key", "Stripe-Version", "Stripe-Account")


class LossyStripe:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.losing = False
        self.losing_confirm = False  # drop the answer to confirming an intent instead
        self.seen_keys: list[str] = []  # Idempotency-Key of every PaymentIntent request that arrived
        self.forwarded = 0  # PaymentIntent requests localstripe actually got
        self._answers: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                key = self.headers.get("Idempotency-Key")
                intent_create = self.command == "POST" and self.path == "/v1/payment_intents"
                confirming = self.command == "POST" and self.path.endswith("/confirm")
                with owner._lock:
                    if intent_create:
                        owner.seen_keys.append(key or "")
                    answer = owner._answers.get(key) if key and self.command == "POST" else None
                    if answer is None:
                        headers = {h: self.headers[h] for h in FORWARDED if self.headers.get(h)}
                        r = requests.request(self.command, owner.upstream + self.path, data=body, headers=headers,
                                             timeout=10)
                        answer = (r.status_code, r.content)
                        if intent_create:
                            owner.forwarded += 1
                        if key and self.command == "POST":
                            owner._answers[key] = answer
                if (intent_create and owner.losing) or (confirming and owner.losing_confirm):
                    self.close_connection = True
                    return  # the answer is lost: the client sees the connection close
                self.send_response(answer[0])
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer[1])))
                self.end_headers()
                self.wfile.write(answer[1])

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lossy(localstripe, settings):
    proxy = LossyStripe(localstripe.url)
    settings.STRIPE_API_BASE = proxy.url
    yield proxy
    proxy.close()


def test_a_lost_answer_leaves_the_payment_processing_and_the_retry_charges_once(
        cows, riverton, stripe_riverton, localstripe, lossy, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    response = start_utility_payment(client, account, "25.00", localstripe.card())
    reference = reference_of(response)

    lossy.losing = True
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "processing" and payment.provider_payment_id == ""  # what happened is unknown
    # The intent is made unconfirmed: a lost answer to making it has moved no money.
    assert [i["status"] for i in localstripe.payment_intents()] == ["requires_confirmation"]
    assert localstripe.charges() == []

    lossy.losing = False
    assert checkout.recover_processing(older_than=timedelta(0)) == 1
    payment.refresh_from_db()
    assert payment.state == "charged"
    [intent] = localstripe.payment_intents()
    assert payment.provider_payment_id == intent["id"] and intent["amount"] == 2650
    assert len(localstripe.charges()) == 1
    assert lossy.forwarded == 1
    # Every attempt (the SDK's own retries, then recover_processing's) carried the payment's key.
    assert len(lossy.seen_keys) >= 2 and set(lossy.seen_keys) == {payment.idempotency_key}
