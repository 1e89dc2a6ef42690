"""Deposit Reconciliation's read: each deposit the bank received, line by line, adding up to it."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.payments.deposits import deposits_for, reconciliation_accounts
from billing.payments.providers import add_utility_account, current_account
from sandboxpay.models import SandboxDeposit

from .deposit_helpers import RETURNED_BANK, on, paid, permit, water

MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2026, 12, d) for d in (7, 8, 9, 10))


def test_a_days_deposit_lists_every_payment_and_adds_up_to_what_the_bank_received(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        card = paid(riverton, anon_client, items=[permit("30.00")])
        bank = paid(riverton, anon_client, items=[permit("120.00")], bank="000123456789", payer_name="Ada Lovelace")

    report = deposits_for(tenant=riverton.tenant, account=card.provider_account, deposit_date=TUESDAY)

    deposit = SandboxDeposit.objects.get(tenant_slug="riverton", deposit_date=TUESDAY)
    assert report.found and report.balanced
    assert report.deposit_amount == deposit.total == card.total + bank.total
    assert [(line.kind, line.payment.reference) for line in report.lines] == [("payment", card.reference),
                                                                            ("payment", bank.reference)]
    first, second = report.lines
    assert (first.amount, first.service_fee, first.net) == (Decimal("30.00"), card.fee, card.total)
    assert second.customer == "Ada Lovelace" and second.amount == Decimal("120.00")
    assert report.totals["net"] == card.total + bank.total
    assert report.totals["amount"] == Decimal("150.00")
    assert report.totals["service_fee"] == card.fee + bank.fee


def test_a_day_without_a_deposit_says_so(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        payment = paid(riverton, anon_client)

    report = deposits_for(tenant=riverton.tenant, account=payment.provider_account, deposit_date=WEDNESDAY)

    assert not report.found and report.lines == [] and not report.balanced


def test_a_friday_payment_reaches_the_bank_on_monday(riverton, anon_client):
    with on(riverton, 2026, 12, 11):
        payment = paid(riverton, anon_client)

    assert payment.deposit_date == date(2026, 12, 14)
    report = deposits_for(tenant=riverton.tenant, account=payment.provider_account, deposit_date=date(2026, 12, 14))
    assert [line.payment for line in report.lines] == [payment]


def test_a_returned_bank_payment_is_a_negative_line_in_a_later_deposit(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        returned = paid(riverton, anon_client, items=[permit("80.00")], bank=RETURNED_BANK)
    with on(riverton, 2026, 12, 10):
        other = paid(riverton, anon_client, items=[permit("25.00")])  # in Friday's deposit, not Thursday's
    with on(riverton, 2026, 12, 9):
        card = paid(riverton, anon_client, items=[permit("10.00")])  # in Thursday's

    account = returned.provider_account
    tuesday = deposits_for(tenant=riverton.tenant, account=account, deposit_date=TUESDAY)
    thursday = deposits_for(tenant=riverton.tenant, account=account, deposit_date=THURSDAY)

    assert [(line.kind, line.net) for line in tuesday.lines] == [("payment", returned.total)]
    assert [(line.kind, line.payment, line.net) for line in thursday.lines] == [
        ("return", returned, -returned.total), ("payment", card, card.total)]
    back = thursday.lines[0]
    assert back.amount == Decimal("-80.00") and back.service_fee == -returned.fee
    assert "R01" in back.description and "Insufficient funds" in back.description
    assert thursday.balanced and thursday.deposit_amount == card.total - returned.total
    assert other.deposit_date == date(2026, 12, 11)


def test_the_utility_account_has_deposits_of_its_own(riverton, anon_client):
    utility = add_utility_account(tenant=riverton.tenant, name="Utility", general_name="General")
    with on(riverton, 2026, 12, 7):
        bill = paid(riverton, anon_client, items=[water("42.10")])
        permit_payment = paid(riverton, anon_client, items=[permit("30.00")])
        both = paid(riverton, anon_client, items=[water("12.00"), permit("5.00")])

    general = current_account(riverton.tenant)
    assert bill.provider_account == utility
    assert permit_payment.provider_account == both.provider_account == general
    assert [a.label for a in reconciliation_accounts(tenant=riverton.tenant)] == ["General (Sandbox)",
                                                                                 "Utility (Sandbox)"]
    on_utility = deposits_for(tenant=riverton.tenant, account=utility, deposit_date=TUESDAY)
    on_general = deposits_for(tenant=riverton.tenant, account=general, deposit_date=TUESDAY)
    assert [line.payment for line in on_utility.lines] == [bill]
    assert [line.payment for line in on_general.lines] == [permit_payment, both]
    assert on_utility.deposit_amount == bill.total and on_general.deposit_amount == permit_payment.total + both.total


def test_a_city_with_one_account_keeps_paying_into_it(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        bill = paid(riverton, anon_client, items=[water()])

    assert bill.provider_account == current_account(riverton.tenant)
    assert [a.label for a in reconciliation_accounts(tenant=riverton.tenant)] == ["General (Sandbox)"]


def test_another_citys_account_is_refused(riverton, lakeside, anon_client):
    with on(lakeside, 2026, 12, 7):
        theirs = paid(lakeside, anon_client)

    with pytest.raises(ValueError):
        deposits_for(tenant=riverton.tenant, account=theirs.provider_account, deposit_date=TUESDAY)


def _queries(city, account, day) -> int:
    with CaptureQueriesContext(connection) as captured:
        report = deposits_for(tenant=city.tenant, account=account, deposit_date=day)
        for line in report.lines:  # everything the screen and the export read
            (line.customer, line.accounts, line.confirmation_numbers, line.posted_on, line.service_fee)
    return len(captured)


def test_its_query_count_does_not_grow_with_the_lines(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        account = paid(riverton, anon_client).provider_account
    with on(riverton, 2026, 12, 8):
        for _ in range(5):
            paid(riverton, anon_client, items=[water("20.00"), permit("3.00")])

    assert _queries(riverton, account, TUESDAY) == _queries(riverton, account, WEDNESDAY)


def test_the_demo_city_has_a_general_and_a_utility_account_once(db):
    from io import StringIO

    from django.core.management import call_command

    from portal.models import Tenant

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # run again, as bin/run does on every start

    demo = Tenant.objects.get(slug="demo")
    assert [a.label for a in reconciliation_accounts(tenant=demo)] == ["General (Sandbox)", "Utility (Sandbox)"]
