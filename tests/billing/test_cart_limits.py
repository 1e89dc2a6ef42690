"""The cart respects the office's limits as a whole: the checkout total, each account's balance, guest details."""

import html
from decimal import Decimal

import pytest
from django.test import Client

from billing.payments import checkout
from billing.payments.checkout import CheckoutError, ItemSpec, MethodSpec
from billing.payments.models import CartItem, Payment, PaymentItem

from .payhelpers import card_token
from .test_pay_other import pick


def _add_other(client, c, d, amount, **extra):
    return client.post("/pay/other/", {"category": c["code"], "distribution": d["code"], "payor": "Rosa Rivera",
                                       "amount": amount, "action": "cart", **extra})


def test_a_cart_whose_total_is_over_the_largest_payment_is_refused(cows, riverton, client_for):
    c, d = pick(cows, interfaced=False)
    client = client_for(riverton.resident, riverton.tenant)
    for _ in range(2):  # each one is under the $5,000 limit, together they are over it
        assert _add_other(client, c, d, "3000.00").status_code == 302
    response = client.post("/pay/cart/", {"method": "new-card", "new_token": card_token(client)})
    assert response.status_code == 400
    assert "The largest payment online is $5,000.00" in html.unescape(response.content.decode())
    assert not Payment.objects.exists()
    assert CartItem.objects.count() == 2  # nothing is lost: the customer can remove one


def test_adding_the_same_account_twice_updates_the_one_item(cows, riverton, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.post(f"/pay/utility/{account}/", {"amount": "20.00", "action": "cart"}).status_code == 302
    assert client.post(f"/pay/utility/{account}/", {"amount": "30.00", "action": "cart"}).status_code == 302
    assert list(CartItem.objects.values_list("account_key", "amount")) == [(account, Decimal("30.00"))]
    cart = html.unescape(client.get("/pay/cart/").content.decode())
    assert "$30.00" in cart and "$50.00" not in cart


def test_one_accounts_items_together_cannot_go_past_its_balance_plus_the_overpayment(cows, riverton, account):
    summary = cows_summary(riverton, account)
    limit = max(summary.balance_due, Decimal("0")) + Decimal("500.00")
    half = (limit / 2 + Decimal("1.00")).quantize(Decimal("0.01"))  # each under the limit, together over it
    items = [ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=half, account_key=account,
                      customer_number=summary.customer_number, summary=summary) for _ in range(2)]
    with pytest.raises(CheckoutError, match="You can pay at most"):
        checkout.start_checkout(tenant=riverton.tenant, items=items, method=MethodSpec(token="unused"),
                                user=riverton.resident)
    assert not Payment.objects.exists()


def test_a_cart_item_for_an_account_is_checked_against_what_is_already_in_the_cart(cows, riverton, account,
                                                                                  client_for):
    client = client_for(riverton.resident, riverton.tenant)
    summary = cows_summary(riverton, account)
    too_much = max(summary.balance_due, Decimal("0")) + Decimal("500.01")
    response = client.post(f"/pay/utility/{account}/", {"amount": f"{too_much:.2f}", "action": "cart"})
    assert response.status_code == 400
    assert "You can pay at most" in html.unescape(response.content.decode())
    assert not CartItem.objects.exists()


@pytest.mark.parametrize("details, message", [
    ({"email": "not-an-email", "name": "Pat Picnic"}, "Enter your email address for the receipt."),
    ({"email": "", "name": "Pat Picnic"}, "Enter your email address for the receipt."),
    ({"email": "pat@example.org", "name": "P" * 500}, "at most 120 characters"),
    ({"email": "p" * 250 + "@example.org", "name": "Pat"}, "Enter your email address for the receipt."),
])
def test_guest_details_on_cart_checkout_are_checked_like_the_other_payment_form(cows, riverton, details, message):
    c, d = pick(cows, interfaced=False)
    guest = Client(HTTP_HOST="riverton.localhost")
    assert _add_other(guest, c, d, "40.00", email="pat@example.org").status_code == 302
    response = guest.post("/pay/cart/", {"method": "new-card", "new_token": card_token(guest), **details})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Payment.objects.exists()


def test_a_guest_with_good_details_checks_out_the_cart(cows, riverton):
    c, d = pick(cows, interfaced=False)
    guest = Client(HTTP_HOST="riverton.localhost")
    assert _add_other(guest, c, d, "40.00", email="pat@example.org").status_code == 302
    response = guest.post("/pay/cart/", {"method": "new-card", "new_token": card_token(guest),
                                         "email": "pat@example.org", "name": "Pat Picnic"})
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.payer_email, payment.payer_name, payment.amount) == ("pat@example.org", "Pat Picnic",
                                                                         Decimal("40.00"))


def cows_summary(city, account_key):
    from cows_bridge import client as cows_client

    return cows_client.get_account(city.tenant, account_key)


@pytest.mark.parametrize("details, message", [
    ({"email": "not-an-email", "payor": "Pat Picnic"}, "Enter your email address for the receipt."),
    ({"email": "pat@example.org", "payor": "P" * 500}, "at most 120 characters"),
])
def test_the_other_payment_form_checks_guest_details_the_same_way(cows, riverton, details, message):
    c, d = pick(cows, interfaced=False)
    guest = Client(HTTP_HOST="riverton.localhost")
    response = guest.post("/pay/other/", {"category": c["code"], "distribution": d["code"], "amount": "40.00",
                                          "action": "cart", **details})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not CartItem.objects.exists()
