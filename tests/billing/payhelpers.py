"""Paying through the pages in tests: tokens from the sandbox's own endpoint (as the page's script gets
them), the pay form, the reference in the redirect to the confirmation, and a whole payment."""

from __future__ import annotations

import json
import re

from billing.payments.models import Payment

VISA = "4242424242424242"
DECLINED = "4000000000000002"
NO_FUNDS = "4000000000009995"
ROUTING = "110000000"
BANK_OK = "000123456789"

_CONFIRM_URL = re.compile(r"/pay/([A-Z0-9]+)/confirm/")


def card_token(client, number=VISA, exp="12/30", cvc="123") -> str:
    month, year = exp.split("/")
    response = client.post("/sandboxpay/tokens", data=json.dumps(
        {"kind": "card", "number": number, "exp_month": month, "exp_year": year, "cvc": cvc}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def bank_token(client, account=BANK_OK, routing=ROUTING) -> str:
    response = client.post("/sandboxpay/tokens", data=json.dumps(
        {"kind": "ach", "routing": routing, "account": account, "account_type": "checking"}),
        content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def start_utility_payment(client, account_key, amount, token, kind="card", save=False):
    data = {"amount": amount, "method": f"new-{kind}", "new_token": token, "action": "pay"}
    if save:
        data["save_method"] = "on"
    return client.post(f"/pay/utility/{account_key}/", data)


def reference_of(response_or_location) -> str:
    """The payment reference in a redirect to its confirmation page (a response, or its Location)."""
    if isinstance(response_or_location, str):
        location = response_or_location
    else:
        location = response_or_location.headers.get("Location", f"(a {response_or_location.status_code} answer)")
    match = _CONFIRM_URL.search(location)
    assert match, f"not a redirect to a payment's confirmation: {location}"
    return match.group(1)


def pay(client, account_key: str, amount: str = "20.00", kind: str = "card") -> Payment:
    """A real payment through the pay page and the confirmation, charged (its items then wait to be posted)."""
    token = card_token(client) if kind == "card" else bank_token(client)
    response = start_utility_payment(client, account_key, amount, token, kind=kind)
    assert response.status_code == 302, response.content
    reference = reference_of(response)
    assert client.post(f"/pay/{reference}/confirm/").status_code == 302
    payment = Payment.objects.get(reference=reference)
    assert payment.state in (Payment.State.CHARGED, Payment.State.POSTED)
    return payment
