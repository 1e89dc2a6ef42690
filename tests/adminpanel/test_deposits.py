"""Admin - Deposit Reconciliation: the deposit of a day, line by line, with totals, messages and Excel."""

from __future__ import annotations

import html
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from billing.payments.providers import add_utility_account, current_account
from tests.stripe_fixtures import configure_stripe

from ..billing.deposit_helpers import RETURNED_BANK, on, paid, permit, water

URL = "/office/payments/deposits/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def ask(client, day: str, account) -> object:
    return client.get(URL, {"deposit_date": day, "account": getattr(account, "pk", account)})


def test_the_clerk_retrieves_a_deposit_with_every_line_and_totals_matching_it(riverton, anon_client, client_for):
    with on(riverton, 2026, 12, 7):
        card = paid(riverton, anon_client, items=[permit("30.00")], payer_name="Rosa Diaz")
        bank = paid(riverton, anon_client, items=[permit("120.00")], bank="000123456789", payer_name="Ada Lovelace")
    clerk = client_for(riverton.clerk, riverton.tenant)

    with on(riverton, 2026, 12, 9):
        form = text(clerk.get(URL))
        response = ask(clerk, "2026-12-08", card.provider_account)

    assert 'value="2026-12-08"' in form  # the previous business day, ready to retrieve
    assert "General (Sandbox)" in form and "Retrieve Deposits" in form
    body = text(response)
    assert response.status_code == 200
    assert "Deposit of Tuesday, Dec 8, 2026 from General (Sandbox)" in body
    assert card.reference in body and bank.reference in body and "Rosa Diaz" in body and "Ada Lovelace" in body
    deposit = card.total + bank.total
    assert f"${deposit:,.2f}" in body and "The lines add up to the deposit the bank received." in body
    assert "Not posted" in body and "Export to Excel" in body


def test_a_day_without_a_deposit_says_so(riverton, anon_client, client_for):
    with on(riverton, 2026, 12, 7):
        payment = paid(riverton, anon_client)
    with on(riverton, 2026, 12, 12):
        body = text(ask(client_for(riverton.clerk, riverton.tenant), "2026-12-09", payment.provider_account))

    assert "There is no deposit from General (Sandbox) on Wednesday, Dec 9, 2026." in body
    assert "Export to Excel" not in body


def test_a_bad_or_future_date_is_explained_and_kept(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    account = current_account(riverton.tenant)

    with on(riverton, 2026, 12, 9):
        bad = ask(clerk, "12/40/2026", account)
        future = ask(clerk, "2026-12-10", account)
        missing = ask(clerk, "", account)

    assert bad.status_code == 400 and "Enter the date as a day, month and year" in text(bad)
    assert future.status_code == 400 and "That day has not come yet" in text(future)
    assert 'value="2026-12-10"' in text(future)
    assert missing.status_code == 400 and "Enter the date of the deposit." in text(missing)


def test_another_citys_provider_account_cannot_be_chosen(riverton, lakeside, client_for):
    theirs = current_account(lakeside.tenant)
    response = ask(client_for(riverton.clerk, riverton.tenant), "2026-12-08", theirs)
    assert response.status_code == 400 and "Choose one of the city's provider accounts." in text(response)


def test_it_is_the_offices_alone(riverton, lakeside, client_for):
    account = current_account(riverton.tenant)
    # Riverton's resident, and Lakeside's clerk signed in at Riverton's address.
    for client in (client_for(riverton.resident, riverton.tenant), client_for(lakeside.clerk, riverton.tenant)):
        for url in (URL, URL + "export.xlsx"):
            assert client.get(url, {"deposit_date": "2026-12-08", "account": account.pk}).status_code == 404
    # At home, Lakeside's clerk cannot ask for Riverton's account either.
    theirs = ask(client_for(lakeside.clerk, lakeside.tenant), "2026-12-08", account)
    assert theirs.status_code == 400 and "Choose one of the city's provider accounts." in text(theirs)
    assert client_for(riverton.clerk, riverton.tenant).post(URL).status_code == 405


def test_an_unreachable_provider_is_explained(riverton, client_for, settings):
    configure_stripe(riverton.tenant)
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    with on(riverton, 2026, 12, 9):
        response = ask(client_for(riverton.clerk, riverton.tenant), "2026-12-08", current_account(riverton.tenant))
    body = text(response)
    assert response.status_code == 200
    assert "Stripe could not be asked about deposits" in body and "Nothing was changed" in body


def test_the_general_and_utility_accounts_are_each_chosen_on_their_own(riverton, anon_client, client_for):
    utility = add_utility_account(tenant=riverton.tenant, name="Utility", general_name="General")
    with on(riverton, 2026, 12, 7):
        bill = paid(riverton, anon_client, items=[water("42.10")])
        other = paid(riverton, anon_client, items=[permit("9.00")])
    clerk = client_for(riverton.clerk, riverton.tenant)

    with on(riverton, 2026, 12, 9):
        on_utility = text(ask(clerk, "2026-12-08", utility))
        on_general = text(ask(clerk, "2026-12-08", other.provider_account))

    assert "Utility (Sandbox)" in on_utility and bill.reference in on_utility and other.reference not in on_utility
    assert other.reference in on_general and bill.reference not in on_general


def test_a_return_shows_negative_in_the_later_deposit_and_the_export_matches(riverton, anon_client, client_for):
    with on(riverton, 2026, 12, 7):
        returned = paid(riverton, anon_client, items=[permit("80.00")], bank=RETURNED_BANK)
    with on(riverton, 2026, 12, 9):
        card = paid(riverton, anon_client, items=[permit("10.00")])
    clerk = client_for(riverton.clerk, riverton.tenant)

    with on(riverton, 2026, 12, 11):
        body = text(ask(clerk, "2026-12-10", card.provider_account))
        response = clerk.get(URL + "export.xlsx", {"deposit_date": "2026-12-10", "account": card.provider_account.pk})

    assert "Return" in body and "R01 Insufficient funds" in body and f"(${returned.total:,.2f})" in body
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:8] == ["Type", "Reference", "Customer", "Accounts", "Amount", "Service fee", "Processor fee", "Net"]
    assert rows[1][0] == "Return" and rows[1][1] == returned.reference and Decimal(str(rows[1][7])) == -returned.total
    assert rows[2][0] == "Payment" and rows[2][1] == card.reference
    assert rows[3][0] == "Total" and Decimal(str(rows[3][7])) == card.total - returned.total
    assert rows[4][0] == "Deposit received by the bank" and Decimal(str(rows[4][7])) == card.total - returned.total


def test_an_export_without_a_deposit_goes_back_to_the_screen(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    with on(riverton, 2026, 12, 9):
        response = clerk.get(URL + "export.xlsx", {"deposit_date": "2026-12-08",
                                                   "account": current_account(riverton.tenant).pk})
    assert response.status_code == 302 and response["Location"].startswith(URL + "?deposit_date=2026-12-08")


def test_its_query_count_does_not_grow_with_the_lines(riverton, anon_client, client_for):
    with on(riverton, 2026, 12, 7):
        account = paid(riverton, anon_client).provider_account
    with on(riverton, 2026, 12, 8):
        for _ in range(6):
            paid(riverton, anon_client, items=[water("20.00"), permit("3.00")])
    clerk = client_for(riverton.clerk, riverton.tenant)

    def queries(day: str) -> int:
        with on(riverton, 2026, 12, 10):
            ask(clerk, day, account)  # warm the session and the tenant
            with CaptureQueriesContext(connection) as captured:
                assert ask(clerk, day, account).status_code == 200
        return len(captured)

    assert queries("2026-12-08") == queries("2026-12-09")


def test_a_city_without_a_provider_is_told_there_is_nothing_to_reconcile(riverton, client_for):
    from billing.payments.models import PaymentSettings

    PaymentSettings.objects.update_or_create(tenant=riverton.tenant, defaults={"provider": "none"})
    body = text(client_for(riverton.clerk, riverton.tenant).get(URL))
    assert "The city has no payment provider set up yet" in body and "Provider account" not in body


def test_on_a_monday_the_screen_opens_on_fridays_deposit(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    with on(riverton, 2026, 12, 14):  # a Monday
        assert 'value="2026-12-11"' in text(clerk.get(URL))  # the Friday before, not Sunday
    with on(riverton, 2026, 12, 13):  # a Sunday
        assert 'value="2026-12-11"' in text(clerk.get(URL))
