"""No card or bank number is ever stored, logged, emailed or echoed: only the token, brand and last 4.

Real payment flows run first (cards and bank accounts, successes and declines, through the
sandbox's token endpoint and the views, a saved card, a guest's other payment, receipt emails,
posting to the Caselle simulator); then every table and column of the database, the log records
of the flows, every email, every page and the shared cache are searched for anything card-like
(13 to 19 digits, spaces or dashes allowed, passing the Luhn check) and for the test bank
account numbers.
"""

from __future__ import annotations

import html
import json
import logging
import pickle
import re
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection

from billing.payments.models import Payment, PaymentMethod
from portal.celery import app as celery_app
from portal.logging import JsonFormatter, TenantFilter
from sandboxpay.cards import TEST_BANK_ACCOUNTS, TEST_CARDS, luhn_ok
from tests.billing.payhelpers import reference_of
from tests.conftest import link_sample

OFFICE = "nocards"
ROUTING = "110000000"

# One group of digits, or several joined by single spaces or dashes, standing on its own (and not
# the fraction of a decimal number, like a task's run time in seconds).
DIGIT_GROUPS = re.compile(r"(?<![0-9A-Za-z])(?<!\d\.)\d+(?:[ -]\d+)*(?![0-9A-Za-z])")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)  # 32 digits at most


def card_like(text: str) -> list[str]:
    """Card-like numbers in `text`: any run of whole digit groups with 13-19 digits that passes Luhn."""
    found = []
    for match in DIGIT_GROUPS.finditer(UUID.sub("<uuid>", text)):
        groups = re.split(r"[ -]", match.group())
        for start in range(len(groups)):
            for end in range(start + 1, len(groups) + 1):
                digits = "".join(groups[start:end])
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn_ok(digits):
                    found.append(" ".join(groups[start:end]))
    return found


def secrets_in(text: str) -> list[str]:
    """Card-like numbers and test bank account numbers (also when written with spaces or dashes)."""
    squeezed = re.sub(r"[ -]", "", text)
    return card_like(text) + [n for n in TEST_BANK_ACCOUNTS if n in squeezed]


def test_the_detector_finds_numbers_however_they_are_written():
    assert card_like("card 4242 4242 4242 4242 exp 12/30") == ["4242 4242 4242 4242"]
    assert card_like("x=378282246310005;") == ["378282246310005"]
    assert card_like("7 5555-5555-5555-4444") == ["5555 5555 5555 4444"]
    assert card_like("task 12345678-1234-4123-8123-12345678901a") == []
    assert card_like('{"runtime": 0.005853109999861772, "at": 1764167140.80}') == []
    assert card_like("ref 4242424242424241, customer 001-0042-00, at 2026-11-26 09:15:00, tok_ab12") == []
    assert secrets_in("account 0001 2345 6789") == ["000123456789"]


# --- the flows ------------------------------------------------------------------------------------

@pytest.fixture
def office(own_office, riverton):
    """Riverton posts to an office of its own."""
    return own_office(riverton, OFFICE, customers=30, seed=5)


class Flows:
    """Drives the pages as a browser and its page script would, and keeps every answer."""

    def __init__(self, capture_on_commit):
        self.capture = capture_on_commit
        self.bodies: list[str] = []

    def keep(self, response):
        self.bodies.append(response.content.decode(errors="replace"))
        return response

    def tokenize(self, client, payload: dict, *, secret: str):
        response = self.keep(client.post("/sandboxpay/tokens", data=json.dumps(payload),
                                          content_type="application/json"))
        body = response.content.decode()
        digits = re.sub(r"\D", "", secret)
        # Never echoed, whole or in part (beyond the last 4), whether accepted or refused.
        assert digits not in body and secret not in body and digits[:-4] not in body
        if response.status_code == 200:
            data = response.json()
            assert set(data) == {"token", "kind", "brand", "last4", "exp_month", "exp_year"}
            assert data["last4"] == digits[-4:] and digits[:-4] not in data["token"]
            return data["token"]
        assert set(response.json()) == {"error"}
        return None

    def card(self, client, number: str, **kwargs) -> str | None:
        payload = {"kind": "card", "number": number, "exp_month": "12", "exp_year": "30", "cvc": "123", **kwargs}
        return self.tokenize(client, payload, secret=number)

    def bank(self, client, account: str, routing: str = ROUTING) -> str | None:
        payload = {"kind": "ach", "routing": routing, "account": account, "account_type": "checking"}
        return self.tokenize(client, payload, secret=account)

    def pay_account(self, client, key: str, amount: str, method: str, token: str = "", save=False) -> Payment:
        data = {"amount": amount, "method": method, "new_token": token, "action": "pay"}
        if save:
            data["save_method"] = "on"
        response = self.keep(client.post(f"/pay/utility/{key}/", data))
        assert response.status_code == 302, response.content.decode()[:500]
        return self.confirm(client, response["Location"])

    def confirm(self, client, location: str) -> Payment:
        reference = reference_of(location)
        self.keep(client.get(f"/pay/{reference}/confirm/"))
        with self.capture(execute=True):  # the receipt email, the wallet and posting run after the commit
            self.keep(client.post(f"/pay/{reference}/confirm/", follow=True))
        self.keep(client.get(f"/pay/{reference}/"))
        return Payment.objects.get(reference=reference)


@pytest.fixture
def flows(office, riverton, client_for, anon_client, monkeypatch, caplog, django_capture_on_commit_callbacks):
    """Every kind of payment, made for real; returns what they left behind."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # posting runs here, so its logs are caught
    key = link_sample(office, riverton)
    rosa = client_for(riverton.resident, riverton.tenant)
    guest = anon_client(riverton.tenant)
    f = Flows(django_capture_on_commit_callbacks)
    outcomes = {}
    # Refused at the token endpoint: bad check digit, expired, bad security code, bad bank details.
    assert f.card(rosa, "4242 4242 4242 4241") is None
    assert f.card(rosa, "5555555555554444", exp_year="19") is None
    assert f.card(rosa, "378282246310005", cvc="12") is None
    assert f.bank(rosa, "000123456789", routing="110000001") is None
    # Cards, typed as people type them; the first is saved to the wallet.
    for number, typed in [("4242424242424242", "4242 4242 4242 4242"), ("5555555555554444", "5555-5555-5555-4444"),
                          ("378282246310005", "3782 822463 10005"), ("4000000000000002", "4000000000000002"),
                          ("4000000000009995", "4000 0000 0000 9995")]:
        token = f.card(rosa, typed)
        payment = f.pay_account(rosa, key, "12.34", "new-card", token, save=number == "4242424242424242")
        outcomes[number] = payment.state
    # Bank accounts.
    for account in TEST_BANK_ACCOUNTS:
        payment = f.pay_account(rosa, key, "23.45", "new-ach", f.bank(rosa, account))
        outcomes[account] = payment.state
    # The saved card again, and the wallet.
    method = PaymentMethod.objects.get(user=riverton.resident, deleted_at=None)
    outcomes["saved"] = f.pay_account(rosa, key, "5.00", f"saved-{method.id}").state
    f.keep(rosa.get("/pay/wallet/"))
    # A guest's other payment, with a receipt by email.
    f.keep(guest.get("/pay/other/"))
    token = f.card(guest, "4242-4242-4242-4242")
    response = f.keep(guest.post("/pay/other/", {
        "category": "PR", "distribution": "PAVILION", "payor": "Pat Guest", "amount": "40.00",
        "email": "pat.guest@example.org", "method": "new-card", "new_token": token, "action": "pay"}))
    assert response.status_code == 302, html.unescape(response.content.decode())[-2000:]
    outcomes["guest"] = f.confirm(guest, response["Location"]).state

    assert outcomes == {"4242424242424242": "posted", "5555555555554444": "posted", "378282246310005": "posted",
                        "4000000000000002": "failed", "4000000000009995": "failed", "000123456789": "posted",
                        "000111111116": "failed", "000222222227": "failed", "000333333335": "posted",  # returned later
                        "saved": "posted", "guest": "posted"}
    assert {tuple(m.to) for m in mail.outbox} >= {(riverton.resident.email,), ("pat.guest@example.org",)}
    return f, caplog


# --- the search -----------------------------------------------------------------------------------

def database_values():
    """(table.column, text) of every value in every table, sessions decoded."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row):
                    if value is None:
                        continue
                    if isinstance(value, (bytes, memoryview)):
                        value = bytes(value).decode("utf-8", errors="replace")
                    yield f"{table}.{column}", str(value)
                    if table == "django_session" and column == "session_data":
                        yield "django_session (decoded)", json.dumps(SessionStore().decode(value), default=str)


def cache_values():
    """Every value in the shared file cache (pages and flows may cache what they read)."""
    location = Path(settings.CACHES["default"].get("LOCATION", ""))
    if settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache") and location.is_dir():
        for path in location.glob("*.djcache"):
            with open(path, "rb") as f:
                pickle.load(f)  # expiry
                yield str(path.name), repr(pickle.loads(zlib.decompress(f.read())))


def test_no_card_or_bank_number_is_stored_logged_emailed_or_shown(flows):
    f, caplog = flows
    found: dict[str, list[str]] = {}

    scanned_tables = set()
    for where, text in database_values():
        scanned_tables.add(where.split(".")[0])
        if hits := secrets_in(text):
            found[where] = hits
    assert {"billing_payment", "billing_paymentitem", "billing_paymentmethod", "sandboxpay_sandboxtoken",
            "sandboxpay_sandboxcharge", "django_session"} <= scanned_tables
    # What is kept instead: the token, brand and last 4.
    assert {(m.brand, m.last4) for m in PaymentMethod.objects.all()} == {("Visa", "4242")}
    assert ("American Express", "0005") in set(Payment.objects.values_list("method_brand", "method_last4"))

    formatter, tenant_filter = JsonFormatter(), TenantFilter()
    records = caplog.get_records("setup") + caplog.get_records("call")  # the flows ran in the fixture
    assert len(records) > 20
    for record in records:
        tenant_filter.filter(record)
        if hits := secrets_in(formatter.format(record)):
            found[f"log {record.name}: {record.getMessage()[:80]}"] = hits

    assert len(mail.outbox) >= 6
    for message in mail.outbox:
        parts = [message.subject, message.body, *[c for c, _ in getattr(message, "alternatives", [])],
                 *[str(a) for a in message.attachments], str(message.extra_headers)]
        if hits := secrets_in("\n".join(parts)):
            found[f"email {message.subject}"] = hits

    for n, body in enumerate(f.bodies):
        if hits := secrets_in(body):
            found[f"page {n}"] = hits

    for where, text in cache_values():
        if hits := secrets_in(text):
            found[f"cache {where}"] = hits

    assert found == {}


def test_every_test_number_the_docs_give_is_a_known_sandbox_number():
    for number in ["4242424242424242", "5555555555554444", "378282246310005", "4000000000000002", "4000000000009995"]:
        assert number in TEST_CARDS and luhn_ok(number)
    assert set(TEST_BANK_ACCOUNTS) == {"000123456789", "000111111116", "000222222227", "000333333335"}
