"""AutoPay's people and accounts: an office of the test's own whose last month was just closed (bills out,
due dates ahead), Rosa's account in it, and saved methods made through the sandbox's own token endpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest

from autopay import enrollment as autopay
from billing.payments.wallet import add_to_wallet
from cows_bridge import client as cows
from tests.billing.payhelpers import BANK_OK, bank_token, card_token
from tests.conftest import link_sample

OFFICE = "autopay-office"


@pytest.fixture
def office(own_office, riverton):
    """Riverton talks to a fresh office of this test whose just-ended month has been closed."""
    sim = own_office(riverton, OFFICE, customers=40, seed=21)
    sim.close_period(OFFICE)
    return sim


@pytest.fixture
def rosa_key(office, riverton) -> str:
    """Rosa's linked account in that office (a balance due, its due date ahead)."""
    return link_sample(office, riverton, 0)


def summary(city, key):
    return cows.get_account(city.tenant, key)


def saved_method(city, user, *, number: str | None = None, bank: str | None = None, client_for=None):
    """A method in the user's wallet, tokenized by the sandbox endpoint as the page's script does."""
    from tests.conftest import login_client

    client = login_client(user, city.tenant)
    token = bank_token(client, account=bank) if bank else card_token(client, **({"number": number} if number else {}))
    return add_to_wallet(tenant=city.tenant, user=user, token=token)


@pytest.fixture
def card(riverton):
    return saved_method(riverton, riverton.resident)


@pytest.fixture
def checking(riverton):
    return saved_method(riverton, riverton.resident, bank=BANK_OK)


def enroll(city, key, method, *, user=None, days=3, maximum: str | None = None, today=None):
    """Rosa (or `user`) turns AutoPay on, accepting the authorization text as the page shows it."""
    user = user or city.resident
    s = summary(city, key)
    max_amount = Decimal(maximum) if maximum else None
    text = autopay.authorization_text(tenant=city.tenant, customer_number=s.customer_number, method=method,
                                      days_before_due=days, max_amount=max_amount)
    return autopay.enroll(tenant=city.tenant, user=user, customer_number=s.customer_number, method=method,
                          days_before_due=days, max_amount=max_amount, accepted_text=text,
                          ip_address="203.0.113.9", user_agent="pytest", today=today)

