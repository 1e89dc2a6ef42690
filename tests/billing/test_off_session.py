"""Charges made while nobody is at the screen (AutoPay): a bank that wants 3-D Secure is a clear failure."""

from decimal import Decimal

from billing.payments import checkout
from billing.payments.checkout import MethodSpec
from billing.payments.models import Payment, PaymentMethod
from billing.payments.providers import AUTHENTICATION_NEEDED_OFF_SESSION, get_provider

from .payhelpers import card_token
from .test_provider_accounts import permit

SANDBOX_3DS = "4000002760003184"  # sandboxpay/cards.py: wants 3-D Secure
STRIPE_3DS = "4000002500003155"  # Stripe's (and localstripe's) card that requires authentication
MESSAGE = ("Your bank asked you to confirm this payment, and you were not there to do it. "
           "Please pay online, or update your payment method.")


def pay(city, method: MethodSpec, *, customer_present: bool) -> Payment:
    payment = checkout.start_checkout(tenant=city.tenant, items=[permit("42.00")], method=method, user=city.resident,
                                      customer_present=customer_present)
    return checkout.confirm_payment(payment=payment)


def test_the_message_is_the_one_a_customer_reads():
    assert str(AUTHENTICATION_NEEDED_OFF_SESSION) == MESSAGE


# --- the sandbox ---------------------------------------------------------------------------------

def test_the_sandbox_3ds_card_is_charged_with_the_customer_there(riverton, anon_client):
    token = card_token(anon_client(riverton.tenant), number=SANDBOX_3DS)
    payment = pay(riverton, MethodSpec(token=token), customer_present=True)
    assert payment.state == Payment.State.CHARGED


def test_the_sandbox_3ds_card_fails_off_session_with_a_reason_a_person_understands(riverton, anon_client):
    token = card_token(anon_client(riverton.tenant), number=SANDBOX_3DS)
    payment = pay(riverton, MethodSpec(token=token), customer_present=False)
    assert payment.state == Payment.State.FAILED
    assert payment.failure_reason == MESSAGE
    assert payment.items.get().post_state == "void"


def test_an_ordinary_sandbox_card_is_charged_off_session(riverton, anon_client):
    payment = pay(riverton, MethodSpec(token=card_token(anon_client(riverton.tenant))), customer_present=False)
    assert payment.state == Payment.State.CHARGED


# --- Stripe (localstripe) --------------------------------------------------------------------------

def saved_card(city, localstripe, number: str) -> PaymentMethod:
    """A card Rosa saved to her wallet earlier: attached to her Stripe customer."""
    provider = get_provider(city.tenant)
    token, customer = provider.save_method(token=localstripe.card(number), customer_token="",
                                           email=city.resident.email)
    info = provider.describe(token=token)
    return PaymentMethod.objects.create(tenant=city.tenant, user=city.resident, provider="stripe", token=token,
                                        customer_token=customer, kind=info.kind, brand=info.brand, last4=info.last4,
                                        exp_month=info.exp_month, exp_year=info.exp_year)


def test_a_stripe_card_that_wants_3ds_fails_off_session_and_nothing_is_charged(riverton, stripe_riverton,
                                                                               localstripe):
    method = saved_card(riverton, localstripe, STRIPE_3DS)
    payment = pay(riverton, MethodSpec(saved=method), customer_present=False)
    assert payment.state == Payment.State.FAILED
    assert payment.failure_reason == MESSAGE
    [intent] = localstripe.payment_intents()
    # Off session, with her saved customer; left waiting for nobody, so it is cancelled.
    assert intent["customer"] == method.customer_token and intent["status"] == "canceled"
    assert localstripe.charges() == []


def test_an_ordinary_saved_stripe_card_is_charged_off_session(riverton, stripe_riverton, localstripe):
    method = saved_card(riverton, localstripe, "4242424242424242")
    payment = pay(riverton, MethodSpec(saved=method), customer_present=False)
    assert payment.state == Payment.State.CHARGED
    [intent] = localstripe.payment_intents()
    assert intent["status"] == "succeeded" and intent["customer"] == method.customer_token
    assert intent["amount"] == int((payment.total * 100).to_integral_value())
    assert payment.total > Decimal("42.00")  # the service fee is charged too


def test_with_the_customer_there_the_same_stripe_card_waits_for_3ds_instead(riverton, stripe_riverton, localstripe):
    method = saved_card(riverton, localstripe, STRIPE_3DS)
    payment = pay(riverton, MethodSpec(saved=method), customer_present=True)
    assert payment.state == Payment.State.PROCESSING  # the page shows the bank's check
    [intent] = localstripe.payment_intents()
    assert intent["status"] == "requires_action"


def test_stripes_authentication_required_answer_off_session_is_the_same_clear_failure(riverton, recorded_stripe):
    """Real Stripe declines an off-session charge that needs 3-D Secure outright (localstripe waits instead)."""
    from tests.stripe_fixtures import configure_stripe, recorded

    configure_stripe(riverton.tenant)
    card = {**recorded("payment_method_card"), "customer": "cus_RTeWallet42"}
    recorded_stripe.answer("GET", f"/v1/payment_methods/{card['id']}", card)
    recorded_stripe.answer("POST", "/v1/payment_intents", recorded("error_authentication_required"), status=402)
    method = PaymentMethod.objects.create(tenant=riverton.tenant, user=riverton.resident, provider="stripe",
                                          token=card["id"], customer_token="cus_RTeWallet42", kind="card",
                                          brand="Visa", last4="4242", exp_month=12, exp_year=2030)
    payment = pay(riverton, MethodSpec(saved=method), customer_present=False)
    assert payment.state == Payment.State.FAILED and payment.failure_reason == MESSAGE
    assert payment.provider_payment_id == "pi_3QbEAuthReqJvEtkwdC0ffSess"
    [create] = recorded_stripe.made("POST", "/v1/payment_intents")
    form = create["form"]
    assert (form["off_session"], form["confirm"], form["customer"]) == ("true", "true", "cus_RTeWallet42")
