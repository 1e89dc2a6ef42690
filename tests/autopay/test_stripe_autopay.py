"""AutoPay through Stripe: cards off session against localstripe, bank debits from recorded responses."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine

from autopay import charging
from autopay.models import ScheduledPayment
from billing.payments.models import Payment
from billing.payments.recovery import sweep
from billing.payments.wallet import add_to_wallet
from tests.autopay.conftest import enroll, summary
from tests.billing.test_stripe_ach import PM, PROCESSING, ach_stripe, metadata_of  # noqa: F401  (the recorded bank fixture)
from tests.stripe_fixtures import configure_stripe

pytestmark = pytest.mark.django_db(transaction=True)
S = ScheduledPayment.State
MESSAGE = "Your bank asked you to confirm this payment, and you were not there to do it."


def at(city, day, hour=6):
    return datetime.combine(day, time(hour, 0), tzinfo=city.tenant.zone)


def scheduled_with(city, key, method):
    due = summary(city, key).due_date
    with time_machine.travel(at(city, due - timedelta(days=10), 12)):
        return enroll(city, key, method, days=3).scheduled


def charge(city, sp):
    with time_machine.travel(at(city, sp.charge_on)):
        charging.charge_due(tenant=city.tenant)
    sp.refresh_from_db()
    return sp


def test_a_saved_stripe_card_is_charged_off_session_once_with_the_rows_reference(riverton, rosa_key,
                                                                                stripe_riverton, localstripe):
    card = add_to_wallet(tenant=riverton.tenant, user=riverton.resident, token=localstripe.card("4242424242424242"))
    sp = charge(riverton, scheduled_with(riverton, rosa_key, card))
    assert sp.state == S.PAID
    [intent] = localstripe.payment_intents()
    assert intent["status"] == "succeeded" and intent["customer"] == card.customer_token
    assert intent["metadata"]["reference"] == sp.reference and intent["amount"] == int(sp.payment.total * 100)
    charging.recover(tenant=riverton.tenant)
    charge(riverton, sp)
    assert len(localstripe.payment_intents()) == 1


def test_a_stripe_card_wanting_3d_secure_fails_with_the_reason_and_no_charge(riverton, rosa_key, stripe_riverton,
                                                                            localstripe):
    card = add_to_wallet(tenant=riverton.tenant, user=riverton.resident, token=localstripe.card("4000002500003155"))
    sp = charge(riverton, scheduled_with(riverton, rosa_key, card))
    assert sp.state == S.FAILED and MESSAGE in sp.message
    assert localstripe.charges() == []


def test_a_bank_debit_waits_processing_then_is_paid_when_stripe_settles_it(riverton, rosa_key, ach_stripe):
    configure_stripe(riverton.tenant)
    customer = {"id": "cus_RbE7sJvEtkwdCN", "object": "customer", "email": riverton.resident.email}
    ach_stripe.answer("POST", "/v1/customers", customer)
    ach_stripe.answer("POST", f"/v1/payment_methods/{PM['id']}/attach", {**PM, "customer": customer["id"]})
    # Off session the intent is created confirmed: Stripe answers "processing" at once.
    ach_stripe.answer("POST", "/v1/payment_intents", lambda r: {
        **PROCESSING, "status": "processing" if r["form"].get("confirm") == "true" else "requires_confirmation",
        "metadata": metadata_of(r)})
    # Stripe echoes the amount asked for (the recorded bodies are for another amount).
    created = ach_stripe.made
    amount = lambda: int(created("POST", "/v1/payment_intents")[0]["form"]["amount"])  # noqa: E731
    for (method, path), (body, status) in list(ach_stripe.routes.items()):
        if path.startswith("/v1/payment_intents"):
            ach_stripe.answer(method, path, lambda r, body=body: {**(body(r) if callable(body) else body),
                                                                  "amount": amount()}, status)
    bank = add_to_wallet(tenant=riverton.tenant, user=riverton.resident, token=PM["id"])
    sp = scheduled_with(riverton, rosa_key, bank)
    sp = charge(riverton, sp)
    assert sp.state == S.CHARGING and sp.payment.state == Payment.State.PROCESSING
    assert sp.payment.last_check_error.endswith("is processing")  # waiting for the bank to settle
    [create] = ach_stripe.made("POST", "/v1/payment_intents")
    assert create["form"]["off_session"] == "true" and create["form"]["confirm"] == "true"
    assert create["headers"]["Idempotency-Key"] == sp.idempotency_key
    assert metadata_of(create)["reference"] == sp.reference
    ach_stripe.settle()
    with time_machine.travel(at(riverton, sp.charge_on) + timedelta(minutes=10)):
        sweep()
        charging.recover(tenant=riverton.tenant)
    sp.refresh_from_db()
    assert sp.state == S.PAID and len(ach_stripe.made("POST", "/v1/payment_intents")) == 1
