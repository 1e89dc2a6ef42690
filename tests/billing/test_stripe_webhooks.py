"""Stripe's webhooks at /pay/webhooks/stripe/ on the city's host: signed, handled once, inside the city."""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from billing.payments.models import Payment, ProviderEvent

from .payhelpers import reference_of, start_utility_payment

THREE_D_SECURE = "4000002500003155"
URL = "/pay/webhooks/stripe/"


def event_for(intent: dict, kind: str) -> bytes:
    """An event shaped like Stripe's (a snapshot of the object when it happened)."""
    return json.dumps({
        "id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "api_version": "2026-10-28.endive",
        "created": int(time.time()), "data": {"object": intent}, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "type": kind}).encode()


def post_event(client, city, payload: bytes, signature: str | None = None):
    headers = {"HTTP_STRIPE_SIGNATURE": signature if signature is not None else city.signature(payload)}
    return client.post(URL, data=payload, content_type="application/json", **headers)


@pytest.fixture
def waiting_payment(cows, riverton, stripe_riverton, localstripe, account, client_for):
    """A card payment whose bank wanted 3-D Secure, which the customer then passed (the page was closed)."""
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card(THREE_D_SECURE)))
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "processing"
    intent = localstripe.get(f"/v1/payment_intents/{payment.provider_payment_id}")
    return payment, intent


def test_a_signed_succeeded_event_records_the_payment(waiting_payment, stripe_riverton, localstripe, anon_client,
                                                      riverton, django_capture_on_commit_callbacks):
    payment, intent = waiting_payment
    intent = localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(anon_client(riverton.tenant), stripe_riverton, event_for(intent, "payment_intent.succeeded"))
    assert (response.status_code, response.content) == (200, b"handled")
    payment.refresh_from_db()
    assert payment.state == "charged" and payment.items.get().post_state == "waiting"
    assert ProviderEvent.objects.filter(tenant=riverton.tenant, provider="stripe").count() == 1


def test_a_failed_event_records_the_failure_with_stripes_reason(waiting_payment, stripe_riverton, localstripe,
                                                                 anon_client, riverton):
    payment, intent = waiting_payment
    intent = localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key, success=False)
    response = post_event(anon_client(riverton.tenant), stripe_riverton, event_for(intent, "payment_intent.payment_failed"))
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.state == "failed" and "failed authentication" in payment.failure_reason


def test_the_same_event_twice_is_handled_once(waiting_payment, stripe_riverton, localstripe, anon_client, riverton):
    payment, intent = waiting_payment
    intent = localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key)
    payload = event_for(intent, "payment_intent.succeeded")
    client = anon_client(riverton.tenant)
    assert post_event(client, stripe_riverton, payload).content == b"handled"
    again = post_event(client, stripe_riverton, payload)
    assert (again.status_code, again.content) == (200, b"ignored")
    assert ProviderEvent.objects.count() == 1
    assert payment.events.filter(to_state="charged").count() == 1


@pytest.mark.parametrize("tamper", ["wrong secret", "changed body", "no header", "stale", "not json"])
def test_a_bad_signature_or_payload_is_400_and_changes_nothing(waiting_payment, stripe_riverton, localstripe,
                                                               anon_client, riverton, tamper):
    payment, intent = waiting_payment
    intent = localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key)
    payload = event_for(intent, "payment_intent.succeeded")
    signature = stripe_riverton.signature(payload)
    if tamper == "wrong secret":
        signature = stripe_riverton.signature(payload, secret="whsec_someone_else")
    elif tamper == "changed body":
        payload = payload.replace(b'"livemode": false', b'"livemode": true')
    elif tamper == "no header":
        signature = ""
    elif tamper == "stale":
        signature = stripe_riverton.signature(payload, timestamp=int(time.time()) - 3600)
    elif tamper == "not json":
        payload = b"succeeded, honest"
        signature = stripe_riverton.signature(payload)
    response = post_event(anon_client(riverton.tenant), stripe_riverton, payload, signature)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.state == "processing"
    assert not ProviderEvent.objects.exists()


def test_another_citys_endpoint_does_not_touch_this_citys_payment(waiting_payment, stripe_riverton, stripe_lakeside,
                                                                   localstripe, anon_client, riverton, lakeside):
    payment, intent = waiting_payment
    intent = localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key)
    payload = event_for(intent, "payment_intent.succeeded")
    # Riverton's event, signed for Lakeside (say both cities used one Stripe account): none of Lakeside's.
    response = post_event(anon_client(lakeside.tenant), stripe_lakeside, payload)
    assert (response.status_code, response.content) == (200, b"ignored")
    # Signed with Riverton's secret but sent to Lakeside: refused.
    assert post_event(anon_client(lakeside.tenant), stripe_riverton, payload).status_code == 400
    payment.refresh_from_db()
    assert payment.state == "processing" and not ProviderEvent.objects.exists()
    # Riverton's own endpoint still handles it afterwards.
    assert post_event(anon_client(riverton.tenant), stripe_riverton, payload).content == b"handled"


def test_other_event_types_are_acknowledged_and_ignored(waiting_payment, stripe_riverton, anon_client, riverton):
    payment, intent = waiting_payment
    response = post_event(anon_client(riverton.tenant), stripe_riverton, event_for(intent, "payment_intent.created"))
    assert (response.status_code, response.content) == (200, b"ignored")
    customer = {"id": "cus_x", "object": "customer", "metadata": {}}
    response = post_event(anon_client(riverton.tenant), stripe_riverton, event_for(customer, "customer.created"))
    assert (response.status_code, response.content) == (200, b"ignored")
    assert not ProviderEvent.objects.exists()


def test_an_amount_that_differs_from_the_payment_is_not_recorded(waiting_payment, stripe_riverton, localstripe,
                                                                 anon_client, riverton):
    payment, intent = waiting_payment
    intent = {**localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key), "amount": 1}
    post_event(anon_client(riverton.tenant), stripe_riverton, event_for(intent, "payment_intent.succeeded"))
    payment.refresh_from_db()
    assert payment.state == "processing"


def test_only_post_and_only_cities_with_stripe(riverton, lakeside, stripe_riverton, anon_client):
    assert anon_client(riverton.tenant).get(URL).status_code == 405
    assert anon_client(lakeside.tenant).post(URL, data=b"{}", content_type="application/json").status_code == 404


# --- localstripe's own, signed delivery to a running server ------------------------------------------

class _Relay(BaseHTTPRequestHandler):
    """Passes a webhook on to the live server under the city's host name.

    localstripe's client resolves host names with the system's resolver, which does not know
    *.localhost; so it posts to this relay on 127.0.0.1, which adds the Host header.
    """

    target = ""
    host = ""
    answers: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        response = requests.post(self.target + self.path, data=body, timeout=10, headers={
            "Host": self.host, "Content-Type": self.headers["Content-Type"],
            "Stripe-Signature": self.headers["Stripe-Signature"]})
        type(self).answers.append(response.status_code)
        self.send_response(response.status_code)
        self.send_header("Content-Length", str(len(response.content)))
        self.end_headers()
        self.wfile.write(response.content)

    def log_message(self, *args):
        pass


@pytest.mark.django_db(transaction=True)
def test_localstripes_own_signed_webhook_reaches_the_live_server_and_records_the_payment(
        live_server, cows, riverton, stripe_riverton, localstripe, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card(THREE_D_SECURE)))
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "processing"

    port = live_server.url.rsplit(":", 1)[1]
    relay_class = type("Relay", (_Relay,), {"target": live_server.url, "host": f"riverton.localhost:{port}",
                                            "answers": []})
    relay = ThreadingHTTPServer(("127.0.0.1", 0), relay_class)
    threading.Thread(target=relay.serve_forever, daemon=True).start()
    try:
        localstripe.register_webhook(f"http://127.0.0.1:{relay.server_address[1]}{URL}", stripe_riverton.webhook_secret,
                                     ["payment_intent.succeeded"])
        intent = localstripe.get(f"/v1/payment_intents/{payment.provider_payment_id}")
        localstripe.authenticate(intent["client_secret"], stripe_riverton.publishable_key)  # the customer verifies
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and Payment.objects.get(pk=payment.pk).state == "processing":
            time.sleep(0.2)
    finally:
        relay.shutdown()
        relay.server_close()
    assert Payment.objects.get(pk=payment.pk).state == "charged"
    assert relay_class.answers == [200]
    assert ProviderEvent.objects.filter(tenant=riverton.tenant).count() == 1
