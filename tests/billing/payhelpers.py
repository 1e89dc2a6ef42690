"""Helpers for payment tests: tokens from the sandbox's own endpoint, as the page's script gets them."""

from __future__ import annotations

import json

VISA = "4242424242424242"
DECLINED = "4000000000000002"
NO_FUNDS = "4000000000009995"
ROUTING = "110000000"
BANK_OK = "000123456789"


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
