"""Show Completed Payments: every payment through the provider, filtered, paged, quick."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.payments import posting
from billing.payments.models import Payment

from ..billing.payhelpers import pay
from ..conftest import link_sample
from ..factories import PaymentFactory

PAYMENTS = "/office/payments/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_it_lists_real_payments_newest_first_with_their_confirmation_numbers(cows, riverton, client_for):
    account = link_sample(cows, riverton)
    resident = client_for(riverton.resident, riverton.tenant)
    first = pay(resident, account, "12.00", kind="ach")
    second = pay(resident, account, "50.00")
    assert posting.post_payment_items(payment_id=first.id) == ["posted"]
    body = text(client_for(riverton.clerk, riverton.tenant).get(PAYMENTS))
    assert body.index(second.reference) < body.index(first.reference)
    item = first.items.get()
    item.refresh_from_db()
    assert item.confirmation_number in body
    assert "Visa •••• 4242" in body and "Checking •••• 6789" in body
    assert "$50.00" in body and "$1.50" in body and "$51.50" in body  # amount, minimum card fee, total
    assert "$12.00" in body and "$0.95" in body and "$12.95" in body
    assert f"Utility account {item.customer_number}: $12.00" in body
    assert "Received, posting pending" in body and "Posted" in body
    assert "2 payments" in body


def test_checkouts_never_confirmed_are_not_listed(riverton, client_for):
    abandoned = PaymentFactory(city=riverton, state=Payment.State.CREATED)
    failed = PaymentFactory(city=riverton, state=Payment.State.FAILED)
    body = text(client_for(riverton.clerk, riverton.tenant).get(PAYMENTS))
    assert abandoned.reference not in body and failed.reference in body


def test_date_range_is_in_the_citys_time_zone(riverton, client_for):
    # 11:30 pm on March 1 in Riverton is already March 2 in UTC.
    late = PaymentFactory(city=riverton, local=(2026, 3, 1, 23, 30))
    early = PaymentFactory(city=riverton, local=(2026, 3, 2, 0, 30))
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.get(PAYMENTS, {"date_from": "2026-03-01", "date_to": "2026-03-01"}))
    assert late.reference in body and early.reference not in body
    body = text(clerk.get(PAYMENTS, {"date_from": "2026-03-02"}))
    assert early.reference in body and late.reference not in body


@pytest.mark.parametrize("filters, expected", [
    ({"state": "failed"}, {"failed"}),
    ({"state": "posted"}, {"posted_card", "posted_ach"}),
    ({"kind": "ach"}, {"posted_ach", "returned"}),
    ({"kind": "card", "state": "posted"}, {"posted_card"}),
    ({"q": "bob@builders.example"}, {"posted_ach"}),
    ({"q": "CR-7654321"}, {"posted_card"}),
    ({"q": "003-0077-00"}, {"failed"}),
    ({"q": "0030077"}, {"failed"}),  # a customer number typed without dashes
    ({"q": "003.0077.00"}, {"failed"}),
    ({}, {"posted_card", "posted_ach", "failed", "charged", "returned"}),
    ({"state": "received"}, {"posted_card", "posted_ach", "charged"}),  # the Overview's figures link here
    ({"state": "returned"}, {"returned"}),
])
def test_filters(riverton, client_for, filters, expected):
    made = {
        "posted_card": PaymentFactory(city=riverton, items=1, confirmation="CR-7654321"),
        "posted_ach": PaymentFactory(city=riverton, kind="ach", email="bob@builders.example", items=1),
        "failed": PaymentFactory(city=riverton, state=Payment.State.FAILED, customer_number="003-0077-00", items=1),
        "charged": PaymentFactory(city=riverton, state=Payment.State.CHARGED, customer_number="004-0088-00"),
        "returned": PaymentFactory(city=riverton, state=Payment.State.RETURNED, kind="ach",
                                   customer_number="005-0099-00"),
    }
    body = text(client_for(riverton.clerk, riverton.tenant).get(PAYMENTS, filters))
    assert {name for name, p in made.items() if p.reference in body} == expected


def test_searching_by_reference_finds_the_payment(riverton, client_for):
    wanted, other = PaymentFactory(city=riverton), PaymentFactory(city=riverton)
    body = text(client_for(riverton.clerk, riverton.tenant).get(PAYMENTS, {"q": wanted.reference.lower()}))
    assert wanted.reference in body and other.reference not in body


def test_bad_filters_are_explained_and_the_others_still_apply(riverton, client_for):
    card = PaymentFactory(city=riverton, items=1)
    ach = PaymentFactory(city=riverton, kind="ach", items=1)
    response = client_for(riverton.clerk, riverton.tenant).get(
        PAYMENTS, {"date_from": "2026-05-02", "date_to": "2026-05-01", "kind": "ach", "state": "bogus"})
    body = text(response)
    assert response.status_code == 200
    assert "The end date is before the start date." in body
    assert "Select a valid choice." in body
    assert ach.reference in body and card.reference not in body  # the valid filters (from, kind) applied


def test_pages_of_fifty_newest_first(riverton, client_for):
    now = timezone.now()
    made = [PaymentFactory(city=riverton, when=now - timedelta(minutes=n), items=1) for n in range(55)]
    clerk = client_for(riverton.clerk, riverton.tenant)
    first = text(clerk.get(PAYMENTS, {"kind": "card"}))
    assert made[0].reference in first and made[49].reference in first and made[50].reference not in first
    assert "Page 1 of 2" in first and "?kind=card&amp;page=2" in clerk.get(PAYMENTS, {"kind": "card"}).content.decode()
    second = text(clerk.get(PAYMENTS, {"kind": "card", "page": 2}))
    assert made[50].reference in second and made[0].reference not in second


def test_the_totals_count_only_money_received(riverton, client_for):
    PaymentFactory(city=riverton, amount="40.00", fee="1.50")
    PaymentFactory(city=riverton, amount="10.00", fee="0.95", state=Payment.State.CHARGED)
    PaymentFactory(city=riverton, amount="99.00", fee="2.92", state=Payment.State.FAILED)
    body = text(client_for(riverton.clerk, riverton.tenant).get(PAYMENTS))
    assert "$50.00" in body and "$2.45" in body and "$52.45" in body


@pytest.mark.parametrize("count", [3, 60])
def test_query_count_does_not_grow_with_the_payments(riverton, client_for, django_assert_max_num_queries, count):
    for n in range(count):
        PaymentFactory(city=riverton, items=2, state=Payment.State.POSTED if n % 3 else Payment.State.CHARGED)
    clerk = client_for(riverton.clerk, riverton.tenant)
    with django_assert_max_num_queries(8):
        response = clerk.get(PAYMENTS)
    assert response.status_code == 200
    assert text(response).count("Utility account 001-0042-00") == 2 * min(count, 50)
