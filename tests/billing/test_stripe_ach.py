"""Bank accounts (ACH) through Stripe, from recorded responses: localstripe has no us_bank_account.

The real stripe SDK talks over a real socket to a tiny server answering with bodies in Stripe's
documented shapes (tests/billing/recorded/). Stripe echoes the metadata a request sent, so the
server does too; everything else is as recorded. An ACH debit answers "processing" and succeeds
days later: the payment waits, "processing", until the webhook (or recover_processing) records it.
"""

import html
import json
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe

from billing.payments import checkout, posting
from billing.payments.models import Payment
from billing.payments.providers import get_provider
from billing.payments.providers.stripe import PaymentPending, to_cents
from tests.stripe_fixtures import configure_stripe, recorded

from .payhelpers import reference_of, start_utility_payment

PM = recorded("payment_method_us_bank_account")
PROCESSING = recorded("payment_intent_us_bank_account_processing")
SUCCEEDED = recorded("payment_intent_us_bank_account_succeeded")


def metadata_of(request) -> dict:
    return {k[len("metadata["):-1]: v for k, v in request["form"].items() if k.startswith("metadata[")}


@pytest.fixture
def ach_stripe(recorded_stripe):
    """Stripe as it answers for an ACH debit: the method, then the intent processing until it settles."""
    state = {"intent": PROCESSING}
    recorded_stripe.answer("GET", f"/v1/payment_methods/{PM['id']}", PM)
    recorded_stripe.answer("POST", "/v1/payment_intents", lambda r: {
        **PROCESSING, "status": "requires_confirmation", "metadata": metadata_of(r)})
    created = recorded_stripe.made
    recorded_stripe.answer("POST", f"/v1/payment_intents/{PROCESSING['id']}/confirm", lambda r: {
        **PROCESSING, "metadata": metadata_of(created("POST", "/v1/payment_intents")[0])})
    recorded_stripe.answer("GET", f"/v1/payment_intents/{PROCESSING['id']}", lambda r: {
        **state["intent"], "metadata": metadata_of(created("POST", "/v1/payment_intents")[0])})
    recorded_stripe.settle = lambda: state.update(intent=SUCCEEDED)
    return recorded_stripe


def test_describe_maps_a_us_bank_account(riverton, ach_stripe):
    configure_stripe(riverton.tenant)
    info = get_provider(riverton.tenant).describe(token=PM["id"])
    assert (info.kind, info.brand, info.last4, info.exp_month) == ("ach", "Checking", "6789", None)
    [request] = ach_stripe.requests
    assert request["headers"]["Authorization"] == "Bearer sk_test_riverton_secret"


def test_describe_of_an_unknown_method_is_a_value_error(riverton, recorded_stripe):
    configure_stripe(riverton.tenant)
    missing = "pm_1QbE7sJvEtkwdCNYnotThere"
    recorded_stripe.answer("GET", f"/v1/payment_methods/{missing}", recorded("error_resource_missing"), status=404)
    with pytest.raises(ValueError):
        get_provider(riverton.tenant).describe(token=missing)
    with pytest.raises(ValueError):
        get_provider(riverton.tenant).describe(token="../v1/charges")  # not even asked
    assert len(recorded_stripe.requests) == 1


def test_bank_payment_waits_processing_and_the_webhook_records_it(
        cows, riverton, ach_stripe, account, client_for, anon_client, django_capture_on_commit_callbacks):
    city = configure_stripe(riverton.tenant)
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "80.00", PM["id"], kind="ach"))
    confirm = html.unescape(client.get(f"/pay/{reference}/confirm/").content.decode())
    assert "$0.95" in confirm and "$80.95" in confirm and "Checking •••• 6789" in confirm

    response = client.post(f"/pay/{reference}/confirm/", follow=True)
    body = html.unescape(response.content.decode())
    assert "Your payment is being processed" in body and "verify this payment" not in body
    payment = Payment.objects.get(reference=reference)
    assert (payment.state, payment.provider_payment_id, payment.method_kind) == ("processing", PROCESSING["id"], "ach")
    assert payment.items.get().post_state == "held"

    [create] = ach_stripe.made("POST", "/v1/payment_intents")
    assert create["headers"]["Idempotency-Key"] == payment.idempotency_key
    assert create["headers"]["Authorization"] == "Bearer sk_test_riverton_secret"
    form = create["form"]
    # Made unconfirmed, its id saved, then confirmed under its own key (a lost answer never makes a second).
    assert (form["amount"], form["currency"], form["confirm"]) == ("8095", "usd", "false")
    [confirmed] = ach_stripe.made("POST", f"/v1/payment_intents/{PROCESSING['id']}/confirm")
    assert confirmed["headers"]["Idempotency-Key"] == f"{payment.idempotency_key}-confirm"
    assert form["payment_method"] == PM["id"] and form["payment_method_types[0]"] == "us_bank_account"
    assert metadata_of(create)["reference"] == reference and metadata_of(create)["tenant"] == "riverton"

    event = recorded("event_payment_intent_succeeded")
    event["data"]["object"]["metadata"] = metadata_of(create)
    payload = json.dumps(event).encode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = anon_client(riverton.tenant).post("/pay/webhooks/stripe/", data=payload,
                                                   content_type="application/json",
                                                   HTTP_STRIPE_SIGNATURE=city.signature(payload))
    assert answer.status_code == 200
    payment.refresh_from_db()
    assert payment.state == "charged"
    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    receipt = cows.get(f"/receipts/{payment.items.get().reference}", office="riverton").json()
    assert Decimal(receipt["amount"]) == Decimal("80.00")
    assert len(ach_stripe.made("POST", "/v1/payment_intents")) == 1


def test_a_settled_bank_payment_is_recorded_by_recover_processing_without_a_second_debit(
        cows, riverton, ach_stripe, account, client_for):
    configure_stripe(riverton.tenant)
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "80.00", PM["id"], kind="ach"))
    client.post(f"/pay/{reference}/confirm/")
    checkout.recover_processing(older_than=timedelta(0))  # still clearing
    assert Payment.objects.get(reference=reference).state == "processing"
    ach_stripe.settle()
    checkout.recover_processing(older_than=timedelta(0))
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "charged" and payment.provider_payment_id == SUCCEEDED["id"]
    assert len(ach_stripe.made("POST", "/v1/payment_intents")) == 1
    assert len(ach_stripe.made("GET", f"/v1/payment_intents/{PROCESSING['id']}")) >= 2


def test_charge_of_a_processing_debit_raises_pending(riverton, ach_stripe):
    configure_stripe(riverton.tenant)
    with pytest.raises(PaymentPending) as caught:
        get_provider(riverton.tenant).charge(amount=Decimal("80.95"), token=PM["id"], customer_token="", customer_present=True,
                                             idempotency_key="riverton-ach-1", description="x", metadata={})
    assert caught.value.outcome.status == "processing" and not caught.value.outcome.requires_action


# --- no shared state between cities ------------------------------------------------------------------

def test_each_city_talks_to_stripe_with_its_own_key_even_at_the_same_time(riverton, lakeside, recorded_stripe):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    card, intent = recorded("payment_method_card"), recorded("payment_intent_card_succeeded")
    recorded_stripe.answer("GET", f"/v1/payment_methods/{card['id']}", card)
    recorded_stripe.answer("POST", "/v1/payment_intents", lambda r: {**intent, "metadata": metadata_of(r)})
    configure_stripe(riverton.tenant)
    configure_stripe(lakeside.tenant)
    providers = {"riverton": get_provider(riverton.tenant), "lakeside": get_provider(lakeside.tenant)}

    def pay(n):
        slug = ("riverton", "lakeside")[n % 2]
        try:
            return providers[slug].charge(amount=Decimal("51.50"), token=card["id"], customer_token="", customer_present=True,
                                          idempotency_key=f"{slug}-{n}", description="x", metadata={"tenant": slug})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(pay, range(24)))
    assert all(r.succeeded for r in results)
    creates = recorded_stripe.made("POST", "/v1/payment_intents")
    assert len(creates) == 24
    for request in creates:
        slug = metadata_of(request)["tenant"]
        assert request["headers"]["Authorization"] == f"Bearer sk_test_{slug}_secret"
        assert request["headers"]["Idempotency-Key"].startswith(f"{slug}-")
    assert stripe.api_key is None and stripe.api_base == "https://api.stripe.com"  # nothing set globally


@pytest.mark.parametrize("amount, cents", [("51.50", 5150), ("0.01", 1), ("19.99", 1999), ("4999.99", 499999),
                                           ("9999999.99", 999999999), ("12", 1200)])
def test_amounts_become_exact_cents(amount, cents):
    assert to_cents(Decimal(amount)) == cents


def test_a_fraction_of_a_cent_is_refused():
    with pytest.raises(ValueError):
        to_cents(Decimal("1.005"))
