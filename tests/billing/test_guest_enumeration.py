"""Guests cannot walk through permit or customer numbers: reference checks are limited per session and per IP."""

import html
import re

import pytest
from django.test import Client

from billing.payments.models import Payment

from .test_pay_other import permit

TOO_MANY = "Too many tries, try again later."


@pytest.fixture
def limits(settings):
    rates = dict(settings.ACCOUNT_RATE_LIMITS)
    rates["pay_reference"] = "6/1h/ip,3/15m/key"
    settings.ACCOUNT_RATE_LIMITS = rates
    return rates


def _check(client, c, d, reference):
    response = client.post("/pay/other/", {"category": c["code"], "distribution": d["code"],
                                           "category_reference": reference, "amount": "50", "email": "g@example.org",
                                           "action": "cart"})
    return response.status_code, html.unescape(response.content.decode())


def test_every_miss_gets_the_same_answer(cows, riverton, limits):
    c, d = permit(cows)
    guest = Client(HTTP_HOST="riverton.localhost")
    answers = set()
    for ref in ("BP-1999-9999", "ZZ", "0001"):
        status, body = _check(guest, c, d, ref)
        error = re.search(r'id="ref-error"><p>(.*?)</p>', body).group(1)
        answers.add((status, error.replace(ref, "<ref>")))
    assert answers == {(400, "We couldn't find permit number <ref>. Check it and try again.")}


def test_a_session_past_the_limit_is_told_to_try_later_even_for_a_real_number(cows, riverton, limits):
    c, d = permit(cows)
    guest = Client(HTTP_HOST="riverton.localhost", REMOTE_ADDR="203.0.113.5")
    for n in range(3):
        assert "We couldn't find" in _check(guest, c, d, f"BP-1999-{n:04d}")[1]
    valid = next(p for p in ["BP-2026-0001", "BP-2025-0001", "BP-2026-0002"]
                 if cows.post("/cash-receipting/validate", office="riverton",
                              json={"category": c["code"], "distribution": d["code"], "reference": p}).json()["valid"])
    status, body = _check(guest, c, d, valid)
    assert status == 429 and TOO_MANY in body and "We couldn't find" not in body
    assert not Payment.objects.exists()
    # Another session from another address is not held back by this one.
    other = Client(HTTP_HOST="riverton.localhost", REMOTE_ADDR="198.51.100.7")
    assert _check(other, c, d, valid)[0] == 302


def test_new_sessions_from_one_address_are_limited_too(cows, riverton, limits):
    c, d = permit(cows)
    for n in range(6):  # a fresh session (no cookies) for every guess
        guest = Client(HTTP_HOST="riverton.localhost", REMOTE_ADDR="203.0.113.9")
        assert "We couldn't find" in _check(guest, c, d, f"BP-1998-{n:04d}")[1]
    status, body = _check(Client(HTTP_HOST="riverton.localhost", REMOTE_ADDR="203.0.113.9"), c, d, "BP-1998-0099")
    assert status == 429 and TOO_MANY in body


def test_signed_in_people_are_limited_as_well(cows, riverton, limits, client_for):
    c, d = permit(cows)
    client = client_for(riverton.resident, riverton.tenant)
    for n in range(3):
        assert "We couldn't find" in _check(client, c, d, f"BP-1997-{n:04d}")[1]
    status, body = _check(client, c, d, "BP-1997-0099")
    assert status == 429 and TOO_MANY in body
