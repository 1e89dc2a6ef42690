"""Deposit Reconciliation on Stripe: payouts and their balance transactions.

localstripe takes real charges but cannot list payouts by arrival date (400) and fails listing balance
transactions (500), so the full read is tested against Stripe's documented shapes (recorded_stripe),
and against localstripe for what it has: a charge's own balance transaction, and the clear refusal.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
import stripe

from billing.payments import checkout, returns
from billing.payments.checkout import MethodSpec
from billing.payments.deposits import DepositsUnavailable, deposits_for
from billing.payments.deposits.stripe import line_from
from billing.payments.models import Payment
from billing.payments.providers import current_account
from communications.outbox.models import OutboundEmail
from tests.stripe_fixtures import configure_stripe, recorded

from ..factories import PaymentFactory
from .deposit_helpers import on, permit

TUESDAY = date(2026, 12, 8)


def stripe_payment(city, account, intent: str, *, amount: str, fee: str, kind: str = "card") -> Payment:
    return PaymentFactory(city=city, provider="stripe", provider_account=account, provider_payment_id=intent,
                          amount=Decimal(amount), fee=Decimal(fee), kind=kind, name="Rosa Diaz",
                          email="rosa@example.org", local=(2026, 12, 7, 9, 0), charged_at=datetime(
                              2026, 12, 7, 9, tzinfo=city.tenant.zone), items=1)


@pytest.fixture
def payout_of_tuesday(riverton, recorded_stripe):
    configure_stripe(riverton.tenant)
    account = current_account(riverton.tenant)
    recorded_stripe.answer("GET", "/v1/payouts", recorded("payouts_list"))
    recorded_stripe.answer("GET", "/v1/balance_transactions", recorded("balance_transactions_of_payout"))
    payments = {
        "card": stripe_payment(riverton, account, "pi_1QcardPayment", amount="50.00", fee="1.50"),
        "bank": stripe_payment(riverton, account, "pi_1QbankPayment", amount="120.00", fee="0.95", kind="ach"),
        "returned": stripe_payment(riverton, account, "pi_1QreturnedPayment", amount="80.00", fee="0.95",
                                   kind="ach"),
    }
    return account, payments


def test_a_payout_is_read_with_its_balance_transactions_and_adds_up(riverton, recorded_stripe, payout_of_tuesday):
    account, payments = payout_of_tuesday

    report = deposits_for(tenant=riverton.tenant, account=account, deposit_date=TUESDAY)

    assert report.found and report.deposit_amount == Decimal("85.90") and report.balanced
    assert [(line.kind, line.payment, line.gross, line.processor_fee, line.net) for line in report.lines] == [
        ("payment", payments["card"], Decimal("51.50"), Decimal("1.79"), Decimal("49.71")),
        ("payment", payments["bank"], Decimal("120.95"), Decimal("3.81"), Decimal("117.14")),
        ("return", payments["returned"], Decimal("-80.95"), Decimal("0.00"), Decimal("-80.95"))]
    assert report.lines[2].amount == Decimal("-80.00") and report.lines[2].service_fee == Decimal("-0.95")
    [payouts] = recorded_stripe.made("GET", "/v1/payouts")
    start = int(datetime(2026, 12, 8, tzinfo=riverton.tenant.zone).timestamp())
    assert payouts["form"]["arrival_date[gte]"] == str(start)
    assert payouts["form"]["arrival_date[lt]"] == str(start + 86400)
    assert payouts["headers"]["Authorization"] == "Bearer sk_test_riverton_secret"
    [lines] = recorded_stripe.made("GET", "/v1/balance_transactions")
    assert lines["form"]["payout"] == "po_1QdepositRiverton" and lines["form"]["expand[0]"] == "data.source"


def test_no_payout_that_day_is_no_deposit(riverton, recorded_stripe):
    configure_stripe(riverton.tenant)
    recorded_stripe.answer("GET", "/v1/payouts", {"object": "list", "url": "/v1/payouts", "has_more": False,
                                                  "data": []})
    report = deposits_for(tenant=riverton.tenant, account=current_account(riverton.tenant), deposit_date=TUESDAY)
    assert not report.found and not recorded_stripe.made("GET", "/v1/balance_transactions")


def test_a_stripe_return_marks_the_payment_returned_once(riverton, recorded_stripe, payout_of_tuesday):
    account, payments = payout_of_tuesday
    with on(riverton, 2026, 12, 8):
        assert returns.find_returns(tenant=riverton.tenant) == [payments["returned"].reference]
        assert returns.find_returns(tenant=riverton.tenant) == []

    returned = Payment.objects.get(pk=payments["returned"].pk)
    assert returned.state == Payment.State.RETURNED
    assert returned.events.get(to_state="returned").actor == "provider:stripe"
    assert Payment.objects.get(pk=payments["bank"].pk).state == Payment.State.POSTED
    assert OutboundEmail.objects.filter(tenant=riverton.tenant, kind="payment_returned").count() == 1
    office = OutboundEmail.objects.get(tenant=riverton.tenant, kind="payment_returned_office")
    assert "stays posted there: reverse the receipt in Caselle" in office.text


def test_localstripe_charges_have_balance_transactions_read_as_deposit_lines(riverton, stripe_riverton, localstripe):
    token = localstripe.card()
    payment = checkout.start_checkout(tenant=riverton.tenant, items=[permit("50.00")], method=MethodSpec(token=token),
                                      user=riverton.resident)
    payment = checkout.confirm_payment(payment=payment)
    assert payment.state == Payment.State.CHARGED
    [charge] = localstripe.charges()
    client = stripe.StripeClient(stripe_riverton.secret_key, base_addresses={"api": localstripe.api_base})
    txn = client.v1.balance_transactions.retrieve(charge["balance_transaction"])
    txn_source = {"id": charge["id"], "payment_intent": charge["payment_intent"]}  # what expand=data.source gives

    line = line_from({**txn.to_dict(), "source": txn_source})

    assert (line.kind, line.payment_id, line.gross, line.processor_fee) == (
        "payment", payment.provider_payment_id, payment.total, Decimal("0.00"))


def test_localstripe_cannot_list_payouts_by_day_and_the_office_is_told(riverton, stripe_riverton, localstripe):
    with pytest.raises(DepositsUnavailable, match="Stripe could not be asked about deposits"):
        deposits_for(tenant=riverton.tenant, account=current_account(riverton.tenant), deposit_date=TUESDAY)
