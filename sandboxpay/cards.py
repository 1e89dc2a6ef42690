"""The sandbox's documented test numbers (docs/payments.md), and checks any processor makes."""

from __future__ import annotations

import re

TEST_CARDS = {
    "4242424242424242": ("Visa", "succeeded"),
    "5555555555554444": ("Mastercard", "succeeded"),
    "378282246310005": ("American Express", "succeeded"),
    "6011111111111117": ("Discover", "succeeded"),
    "4000000000000002": ("Visa", "card_declined"),
    "4000000000009995": ("Visa", "insufficient_funds"),
    # The bank wants 3-D Secure: paid with the customer there; off session (AutoPay) it fails with
    # "Your bank asked you to confirm this payment, and you were not there to do it..."
    "4000002760003184": ("Visa", "authentication_required"),
}
AUTHENTICATION_REQUIRED = "authentication_required"
TEST_BANK_ACCOUNTS = {
    "000123456789": "succeeded",
    "000111111116": "insufficient_funds",
    "000222222227": "account_closed",
    # Paid and settled, then returned by the customer's bank (R01, insufficient funds) in a later deposit.
    "000333333335": "returned_r01",
}
RETURNED_R01 = "returned_r01"
RETURN_CODES = {RETURNED_R01: ("R01", "Insufficient funds")}
FAILURE_MESSAGES = {
    "card_declined": "The card was declined.",
    "insufficient_funds": "There are not enough funds in this account.",
    "account_closed": "This bank account is closed.",
    "authentication_required": "The bank asked the customer to confirm this payment (3-D Secure).",
}


def digits(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def routing_ok(routing: str) -> bool:
    """An ABA routing number: nine digits with the ABA check digit."""
    if not re.fullmatch(r"\d{9}", routing or ""):
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def brand_of(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4] or 0) <= 2720:
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if number.startswith("6011") or number.startswith("65"):
        return "Discover"
    return "Card"
