"""Paying a utility bill by card with Stripe Elements in a real browser, against localstripe's Stripe.js.

localstripe's fake Stripe.js has Elements and confirmCardPayment (3-D Secure) but leaves
createPaymentMethod empty, and its API takes a publishable key on a few endpoints only. The test
fills in createPaymentMethod the way Stripe.js works (the card goes from the page straight to the
Stripe API, which answers with a PaymentMethod) and adds the test key to that one request to
localstripe. The portal's own page code (static/js/pay.js) is what it is in production.
"""

import re
from decimal import Decimal

from playwright.sync_api import expect
import pytest

from billing.payments.models import Payment
from customers.linking import link_account

from .conftest import assert_accessible, city_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREATE_PAYMENT_METHOD = r"""
;(function () {
  var make = window.Stripe;
  window.Stripe = function (key) {
    var stripe = make(key);
    stripe.createPaymentMethod = async function (options) {
      var card = options.card.value.card;
      var body = new URLSearchParams({"type": "card", "card[number]": card.number, "card[exp_month]": card.exp_month,
        "card[exp_year]": card.exp_year, "card[cvc]": card.cvc, "key": key});
      var response = await fetch(LOCALSTRIPE_BASE_API + "/v1/payment_methods", {method: "POST", body: body});
      var data = await response.json();
      return response.ok ? {paymentMethod: data} : {error: data.error};
    };
    return stripe;
  };
})();
"""


@pytest.fixture
def stripe_page(page, localstripe, stripe_riverton, live_server):
    """The browser page, with localstripe's Stripe.js completed and every request it sends kept."""

    def serve_stripe_js(route):
        response = route.fetch()
        route.fulfill(response=response, body=response.text() + CREATE_PAYMENT_METHOD)

    def with_test_key(route):
        route.continue_(headers={**route.request.headers, "authorization": f"Bearer {stripe_riverton.secret_key}"})

    page.route(localstripe.js_url, serve_stripe_js)
    page.route(f"{localstripe.url}/v1/payment_methods", with_test_key)
    page.sent = []
    page.on("request", lambda request: page.sent.append((request.url, request.post_data or "")))
    return page


def sign_in_and_open_the_bill(page, live_server, cows, riverton, password) -> str:
    sample = cows.samples("riverton")[0]
    link_account(tenant=riverton.tenant, user=riverton.resident, customer_number=sample["customer_number"],
                 last_name=sample["last_name"])
    page.goto(city_url(live_server, "riverton"))
    page.get_by_label("Email").fill(riverton.resident.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Password").wait_for(state="detached")
    page.goto(city_url(live_server, "riverton", f"/pay/utility/{sample['customer_number'].replace('-', '')}/"))
    return sample["customer_number"]


def enter_card(page, number: str) -> None:
    page.get_by_label("Amount to pay").fill("25.00")
    page.get_by_label("New card").check()
    card = page.locator("#stripe-card")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("84001")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/pay/[A-Z0-9]+/confirm/$"))


def assert_card_number_never_reached_us(page, live_server, number: str) -> None:
    ours = city_url(live_server, "riverton", "")
    to_us = [body for url, body in page.sent if url.startswith(ours)]
    assert any("new_token=pm_" in body for body in to_us), "the form sent the PaymentMethod id"
    assert not any(number in body for body in to_us), "a card number reached the portal"
    assert any(number in body for url, body in page.sent if not url.startswith(ours)), "it went to Stripe instead"


def test_paying_a_bill_by_card_with_stripe_elements(stripe_page, live_server, cows, riverton, localstripe, password):
    page = stripe_page
    sign_in_and_open_the_bill(page, live_server, cows, riverton, password)
    enter_card(page, "4242424242424242")
    expect(page.get_by_text("Visa •••• 4242")).to_be_visible()
    expect(page.get_by_text("$26.50").first).to_be_visible()  # $25.00 and the $1.50 minimum card fee
    assert_accessible(page)

    page.get_by_role("button", name="Pay $26.50").click()
    page.wait_for_url(re.compile(r"/pay/[A-Z0-9]+/$"))
    expect(page.get_by_role("heading", name="Thank you! Your payment was received.")).to_be_visible()
    expect(page.get_by_text("Visa •••• 4242")).to_be_visible()
    assert_accessible(page)

    payment = Payment.objects.get()
    assert (payment.state, payment.total, payment.method_last4) == ("charged", Decimal("26.50"), "4242")
    [intent] = localstripe.payment_intents()
    assert (intent["id"], intent["amount"], intent["status"]) == (payment.provider_payment_id, 2650, "succeeded")
    assert_card_number_never_reached_us(page, live_server, "4242424242424242")


def test_a_card_that_needs_3d_secure_is_verified_on_the_page(stripe_page, live_server, cows, riverton, localstripe,
                                                             password):
    page = stripe_page
    sign_in_and_open_the_bill(page, live_server, cows, riverton, password)
    enter_card(page, "4000002500003155")
    page.get_by_role("button", name="Pay $26.50").click()
    expect(page.get_by_role("heading", name="Verify your payment with your bank")).to_be_visible()
    assert Payment.objects.get().state == "processing"
    assert_accessible(page, not_ours=("body > div",))  # localstripe's window standing in for the bank's

    page.get_by_role("button", name="Complete authentication").click()  # localstripe's stand-in for the bank
    page.wait_for_url(re.compile(r"/pay/[A-Z0-9]+/$"))
    expect(page.get_by_role("heading", name="Thank you! Your payment was received.")).to_be_visible()
    assert Payment.objects.get().state == "charged"
    assert [i["status"] for i in localstripe.payment_intents()] == ["succeeded"]
    assert_card_number_never_reached_us(page, live_server, "4000002500003155")
