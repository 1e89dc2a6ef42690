"""With COWS answering 200 and a spoiled body, customer pages say they can't reach the billing system: never a 500."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.accounts.models import AccountSnapshot
from billing.formatting import money
from customers.linking import link_account
from customers.models import LinkAttempt

SPOILED = ("not_json", "wrong_shape", "missing_field")
UNREACHABLE = "can't reach the city's billing system"


def linked(sim, city, i: int = 0) -> str:
    s = sim.samples(city.tenant.slug)[i]
    link_account(tenant=city.tenant, user=city.resident, customer_number=s["customer_number"], last_name=s["last_name"])
    return s["customer_number"].replace("-", "")


def spoil(sim, variant: str, operation: str = "*") -> None:
    sim.set_fault(operation=operation, mode="malformed", variant=variant, office="riverton")


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("variant", SPOILED)
def test_utility_billing_home_shows_last_known_values_and_the_notice(cows, riverton, client_for, variant):
    key = linked(cows, riverton)
    AccountSnapshot.objects.filter(tenant=riverton.tenant).update(fetched_at=timezone.now() - timedelta(minutes=10))
    spoil(cows, variant)
    response = client_for(riverton.resident, riverton.tenant).get("/utility/")
    assert response.status_code == 200
    body = page(response)
    assert UNREACHABLE in body and "These values are as of" in body
    assert key in body.replace("-", "")


@pytest.mark.parametrize("variant", SPOILED)
def test_bills_and_payments_say_the_history_cannot_be_loaded(cows, riverton, client_for, variant):
    key = linked(cows, riverton)
    spoil(cows, variant)
    response = client_for(riverton.resident, riverton.tenant).get(f"/utility/accounts/{key}/history/")
    assert response.status_code == 200
    assert UNREACHABLE in page(response)


@pytest.mark.parametrize("variant", SPOILED)
def test_a_bill_pdf_that_comes_back_spoiled_is_not_served(cows, riverton, client_for, variant):
    key = linked(cows, riverton)
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get(f"/utility/accounts/{key}/history/").status_code == 200  # the bills are known now
    bill = riverton.tenant.bills.filter(account_key=key, pdf_available=True).order_by("-bill_date").first()
    spoil(cows, variant, operation="bill_pdf")
    response = client.get(f"/utility/accounts/{key}/bills/{bill.bill_id}.pdf")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert UNREACHABLE in page(response)


@pytest.mark.parametrize("variant", SPOILED)
def test_linking_an_account_says_so_and_does_not_count_against_the_person(cows, riverton, client_for, variant):
    s = cows.samples("riverton")[0]
    spoil(cows, variant)
    response = client_for(riverton.resident, riverton.tenant).post(
        "/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"]})
    assert response.status_code == 200
    assert UNREACHABLE in page(response)
    assert LinkAttempt.objects.get().outcome == "unavailable"
    assert not riverton.resident.linked_accounts.exists()


@pytest.mark.parametrize("variant", SPOILED)
def test_paying_an_account_uses_the_last_known_balance_and_says_so(cows, riverton, client_for, variant):
    key = linked(cows, riverton)
    balance = AccountSnapshot.objects.get(tenant=riverton.tenant, account_key=key).data["balance_due"]
    client = client_for(riverton.resident, riverton.tenant)
    assert UNREACHABLE not in page(client.get(f"/pay/utility/{key}/"))
    spoil(cows, variant)
    response = client.get(f"/pay/utility/{key}/")
    assert response.status_code == 200
    body = page(response)
    assert UNREACHABLE in body and "last balance we read" in body
    # The last balance read is what the page shows (a credit in parentheses), whatever the sample owes.
    assert f"Balance due: <strong>{money(Decimal(balance))}</strong>" in body


@pytest.mark.parametrize("variant", SPOILED)
def test_other_payments_say_the_office_cannot_be_reached(cows, riverton, client_for, variant):
    spoil(cows, variant, operation="categories")
    response = client_for(riverton.resident, riverton.tenant).get("/pay/other/")
    assert response.status_code == 503
    assert "can't reach the city's records" in page(response)
