"""A payment finishes on the provider and keys it started on, whatever the city uses by then."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from billing.payments import checkout
from billing.payments.checkout import ItemSpec, MethodSpec
from billing.payments.models import Payment, PaymentItem, PaymentSettings
from billing.payments.providers import current_account, provider_for_payment
from billing.payments.providers.sandbox import SandboxProvider
from billing.payments.settings import SettingsRefused, update_payment_settings
from sandboxpay.models import SandboxCharge
from adminpanel.forms import ProviderForm
from tests.adminpanel.test_payment_settings import form_data
from tests.adminpanel.test_reauth import confirmed
from tests.stripe_fixtures import configure_stripe

from .payhelpers import card_token


def permit(amount="30.00") -> ItemSpec:
    return ItemSpec(kind=PaymentItem.Kind.MISC, amount=Decimal(amount), category="PERMITS",
                    category_name="Permits", distribution="BUILD", distribution_name="Building permit")


def processing_on_sandbox(city, anon_client) -> Payment:
    """A sandbox payment whose charge went through at the processor, but whose answer never came back."""
    token = card_token(anon_client(city.tenant))
    payment = checkout.start_checkout(tenant=city.tenant, items=[permit()], method=MethodSpec(token=token),
                                      user=city.resident)
    Payment.objects.filter(pk=payment.pk).update(state=Payment.State.PROCESSING)
    SandboxProvider(city.tenant).charge(amount=payment.total, token=payment.method_token, customer_token="",
                                        idempotency_key=payment.idempotency_key, description="", metadata={},
                                        customer_present=True)
    return payment


def test_recovery_asks_the_sandbox_a_payment_started_on_after_the_city_moved_to_stripe(riverton, anon_client):
    payment = processing_on_sandbox(riverton, anon_client)
    configure_stripe(riverton.tenant)  # the city's keys changed under a payment still processing

    assert checkout.recover_processing(older_than=timedelta(0)) == 1

    payment.refresh_from_db()
    # Asked where it was made: the sandbox's first answer stands, nothing new is charged, and
    # Stripe (which never saw this payment) is not asked to call it failed.
    assert payment.state == Payment.State.CHARGED
    assert payment.provider_payment_id == SandboxCharge.objects.get(idempotency_key=payment.idempotency_key).charge_id
    assert SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).count() == 1
    assert provider_for_payment(payment).name == "sandbox"


def test_a_new_checkout_uses_the_citys_current_account(riverton, anon_client):
    old = processing_on_sandbox(riverton, anon_client)
    Payment.objects.filter(pk=old.pk).update(state=Payment.State.CHARGED)
    configure_stripe(riverton.tenant)
    config = PaymentSettings.objects.get(tenant=riverton.tenant)
    config.provider = PaymentSettings.Provider.SANDBOX
    config.save()
    riverton.tenant.payment_settings = config
    new = checkout.start_checkout(tenant=riverton.tenant, items=[permit()],
                                  method=MethodSpec(token=card_token(anon_client(riverton.tenant))),
                                  user=riverton.resident)
    assert new.provider_account_id == old.provider_account_id  # the same sandbox account, found again
    assert riverton.tenant.provider_accounts.count() == 1


def test_switching_keys_is_refused_while_a_payment_is_processing_and_names_it(riverton, anon_client):
    payment = processing_on_sandbox(riverton, anon_client)
    stripe_keys = {"provider": "stripe", "stripe_publishable_key": "pk_test_new", "stripe_secret_key": "sk_test_new",
                   "stripe_webhook_secret": "whsec_new"}
    with pytest.raises(SettingsRefused) as refused:
        update_payment_settings(tenant=riverton.tenant, changes=stripe_keys, acting_user=riverton.clerk)
    assert payment.reference in str(refused.value)
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "sandbox"

    Payment.objects.filter(pk=payment.pk).update(state=Payment.State.CHARGED)
    update_payment_settings(tenant=riverton.tenant, changes=stripe_keys, acting_user=riverton.clerk)
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "stripe"


def test_the_settings_page_lists_the_payments_still_processing_on_the_old_provider(riverton, anon_client,
                                                                                   client_for):
    payment = processing_on_sandbox(riverton, anon_client)
    office = confirmed(client_for(riverton.clerk, riverton.tenant))
    form = form_data(PaymentSettings.objects.get(tenant=riverton.tenant), ProviderForm.Meta.fields, provider="stripe",
                     stripe_publishable_key="pk_test_new", stripe_secret_key="sk_test_new",
                     stripe_webhook_secret="whsec_new")
    response = office.post("/office/settings/providers/", form)
    assert response.status_code == 400
    assert payment.reference in response.content.decode()
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "sandbox"


def test_stripe_without_a_webhook_secret_is_refused_by_the_settings_page(riverton, client_for):
    office = confirmed(client_for(riverton.clerk, riverton.tenant))
    form = form_data(PaymentSettings.objects.get(tenant=riverton.tenant), ProviderForm.Meta.fields, provider="stripe",
                     stripe_publishable_key="pk_test_new", stripe_secret_key="sk_test_new")
    response = office.post("/office/settings/providers/", form)
    assert response.status_code == 400
    assert "Enter the Stripe webhook signing secret to use Stripe." in response.content.decode()


def test_a_webhook_signed_by_the_account_a_payment_started_on_is_heard_after_the_keys_changed(
        riverton, anon_client, django_capture_on_commit_callbacks):
    payment = processing_on_sandbox(riverton, anon_client)
    old = configure_stripe(riverton.tenant)
    old_account = current_account(riverton.tenant)
    Payment.objects.filter(pk=payment.pk).update(provider="stripe", provider_account=old_account,
                                                 provider_payment_id="pi_3OldAccount", state=Payment.State.FAILED)
    # Nothing is unfinished, so the office may switch to new keys; then the old account's late news arrives.
    update_payment_settings(tenant=riverton.tenant, acting_user=riverton.clerk, changes={
        "stripe_secret_key": "sk_test_new", "stripe_webhook_secret": "whsec_new"})
    event = {"id": "evt_late_1", "type": "payment_intent.succeeded", "object": "event", "data": {"object": {
        "object": "payment_intent", "id": "pi_3OldAccount", "status": "succeeded",
        "amount": int(payment.total * 100), "metadata": {"reference": payment.reference}}}}
    payload = json.dumps(event).encode()
    client = anon_client(riverton.tenant)

    forged = client.post("/pay/webhooks/stripe/", data=payload, content_type="application/json",
                         HTTP_STRIPE_SIGNATURE=old.signature(payload, secret="whsec_nobody"))
    assert forged.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        heard = client.post("/pay/webhooks/stripe/", data=payload, content_type="application/json",
                            HTTP_STRIPE_SIGNATURE=old.signature(payload))
    assert heard.status_code == 200 and heard.content == b"handled"
    payment.refresh_from_db()
    assert payment.late_success_at is not None and payment.late_success_payment_id == "pi_3OldAccount"


def test_a_stripe_charge_without_a_webhook_secret_is_refused_and_nothing_is_sent(riverton, stripe_riverton,
                                                                                 localstripe):
    config = PaymentSettings.objects.get(tenant=riverton.tenant)
    config.stripe_webhook_secret = ""  # saved before the settings page insisted on it
    config.save()
    riverton.tenant.payment_settings = config
    method = MethodSpec(token=localstripe.card())
    payment = checkout.start_checkout(tenant=riverton.tenant, items=[permit()], method=method, user=riverton.resident)
    payment = checkout.confirm_payment(payment=payment)
    assert payment.state == Payment.State.FAILED
    assert payment.failure_reason == "Online payments are not fully set up. Nothing was charged. Please contact the office."
    assert localstripe.payment_intents() == []
