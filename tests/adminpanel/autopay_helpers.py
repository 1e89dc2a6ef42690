"""AutoPay data for the office's screens, made the way people make it: saved methods through the sandbox's
token endpoint, enrollments through autopay.enrollment.enroll, charges through autopay.charging."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from autopay import enrollment as autopay
from autopay.models import ScheduledPayment
from billing.payments.wallet import add_to_wallet
from cows_bridge import client as cows

from ..billing.payhelpers import BANK_OK, bank_token, card_token
from ..conftest import login_client
from ..factories import MembershipFactory, UserFactory


def saved_method(city, user, *, number: str | None = None, bank: bool = False):
    """A method in the user's wallet, tokenized by the sandbox endpoint as the page's script does."""
    client = login_client(user, city.tenant)
    if bank:
        token = bank_token(client, account=BANK_OK)
    else:
        token = card_token(client, **({"number": number} if number else {}))
    return add_to_wallet(tenant=city.tenant, user=user, token=token)


def enroll(city, customer_number: str, method, *, user=None, days: int = 3, maximum: str | None = None):
    """The person (Rosa unless told) turns AutoPay on, accepting the authorization text as the page shows it."""
    user = user or city.resident
    summary = cows.get_account(city.tenant, customer_number)
    max_amount = Decimal(maximum) if maximum else None
    text = autopay.authorization_text(tenant=city.tenant, customer_number=summary.customer_number, method=method,
                                      days_before_due=days, max_amount=max_amount)
    return autopay.enroll(tenant=city.tenant, user=user, customer_number=summary.customer_number, method=method,
                          days_before_due=days, max_amount=max_amount, accepted_text=text,
                          ip_address="203.0.113.9", user_agent="pytest")


def office_customer_numbers(sim, slug: str) -> list[str]:
    """Every customer number of an office, read from its own records (the office's list of customers)."""
    path = sim.data_dir / "offices" / slug / "office.sqlite3"
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT number FROM customers WHERE active = 1 ORDER BY id")]


def payable_accounts(city, sim, slug: str, count: int) -> list[str]:
    """`count` customer numbers whose bill AutoPay can charge: a balance due, not on Direct Pay, nothing blocked."""
    numbers = office_customer_numbers(sim, slug)
    found, _missing = cows.get_accounts(city.tenant, numbers)
    eligible = [s.customer_number for s in found.values()
                if s.balance_due > 0 and not s.direct_pay and not any(s.udf.values())]
    assert len(eligible) >= count, f"the office has only {len(eligible)} payable accounts"
    return sorted(eligible)[:count]


def residents(city, count: int, prefix: str = "payer") -> list:
    """`count` portal users of the city (Ann Payer0 <payer0@…>, …)."""
    people = []
    for n in range(count):
        user = UserFactory(email=f"{prefix}{n}@residents.example", first_name="Ann", last_name=f"Payer{n}")
        MembershipFactory(tenant=city.tenant, user=user)
        people.append(user)
    return people


def enroll_many(city, sim, slug: str, count: int, *, people: int = 3, days: int = 3) -> list[ScheduledPayment]:
    """`count` accounts enrolled after the close by `people` persons in turn; each gets its bill scheduled."""
    users = residents(city, people)
    methods = [saved_method(city, u, bank=bool(n % 2)) for n, u in enumerate(users)]
    made = []
    for n, number in enumerate(payable_accounts(city, sim, slug, count)):
        result = enroll(city, number, methods[n % people], user=users[n % people], days=days)
        assert result.scheduled is not None, (number, result.outcome)
        made.append(result.scheduled)
    return made
