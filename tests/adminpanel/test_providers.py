"""Admin - Payment Providers (provider and keys, behind re-authentication, every admin told of a change) and
Utility Admin - Payment (the UDFs that block paying by card or by bank account)."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.core import mail
from django.forms.models import model_to_dict

from adminpanel.forms import ProviderForm, UtilityPaymentForm
from adminpanel.models import AuditEntry
from billing.payments.models import Payment, PaymentSettings
from billing.payments.providers import payment_settings

from ..conftest import make_office_admin
from ..factories import PaymentFactory, UserFactory
from .test_payment_settings import form_data
from .test_reauth import confirmed

PROVIDERS = "/office/settings/providers/"
UTILITY_PAYMENT = "/office/utility/payment/"
STRIPE = {"provider": "stripe", "stripe_publishable_key": "pk_test_PUBLIC42", "stripe_secret_key": "sk_test_SECRET77",
          "stripe_webhook_secret": "whsec_HOOK88"}


def text(response) -> str:
    return html.unescape(response.content.decode())


def stored(city) -> dict:
    return model_to_dict(PaymentSettings.objects.get(tenant=city.tenant))


def provider_form(city, **changes) -> dict:
    return form_data(PaymentSettings.objects.get(tenant=city.tenant), ProviderForm.Meta.fields, **changes)


@pytest.fixture
def carl(riverton, client_for):
    """Riverton's clerk, having just confirmed who he is."""
    return confirmed(client_for(riverton.clerk, riverton.tenant))


@pytest.fixture
def dora(riverton):
    """A second office admin of Riverton."""
    return make_office_admin(riverton.tenant, UserFactory(email="dora@riverton.example", first_name="Dora"))


# --- who may open them -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [PROVIDERS, UTILITY_PAYMENT])
def test_residents_and_another_citys_clerk_get_404_and_change_nothing(riverton, lakeside, larry, client_for, url):
    before = stored(riverton)
    for person in (riverton.resident, larry, lakeside.clerk):
        client = confirmed(client_for(person, riverton.tenant))
        assert client.get(url).status_code == 404
        assert client.post(url, {**STRIPE, "udf_block_card": "X"}).status_code == 404
    assert stored(riverton) == before and not AuditEntry.objects.exists()


def test_the_menus_show_payment_providers_under_admin_and_payment_under_utility_admin(riverton, carl):
    page = text(carl.get(UTILITY_PAYMENT))
    admin_menu, utility_menu = page.split('id="admin-menu-2"')
    assert f'href="{PROVIDERS}">Payment Providers</a>' in admin_menu
    assert 'href="/office/settings/cows/">COWS</a>' in admin_menu
    assert f'href="{UTILITY_PAYMENT}" aria-current="page">Payment</a>' in utility_menu


# --- Payment Providers -------------------------------------------------------------------------------

def test_it_shows_the_provider_and_whether_each_secret_is_set_never_the_secret(riverton, carl):
    settings = payment_settings(riverton.tenant)
    settings.stripe_publishable_key, settings.stripe_secret_key = "pk_test_visible123", "sk_test_TOPSECRET987"
    settings.stripe_webhook_secret = "whsec_HIDDEN555"
    settings.save()
    body = carl.get(PROVIDERS).content.decode()
    assert re.search(r'<input[^>]*value="sandbox"[^>]*checked', body)
    assert "pk_test_visible123" in body
    assert "TOPSECRET" not in body and "HIDDEN555" not in body
    assert body.count("Set. Leave empty to keep it") == 2
    assert "Remove the saved Stripe secret key and webhook secret" in body


def test_switching_to_stripe_saves_encrypted_keys_records_it_and_emails_every_admin_after_the_commit(
        riverton, lakeside, dora, carl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        response = carl.post(PROVIDERS, provider_form(riverton, **STRIPE))
    assert response.status_code == 302 and response["Location"] == PROVIDERS
    assert mail.outbox == []  # only once the change is committed
    for callback in waiting:
        callback()

    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert (saved.provider, saved.stripe_publishable_key) == ("stripe", "pk_test_PUBLIC42")
    assert saved.stripe_secret_key == "sk_test_SECRET77" and saved.stripe_webhook_secret == "whsec_HOOK88"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT stripe_secret_key FROM billing_paymentsettings WHERE tenant_id = %s",
                       [riverton.tenant.id])
        assert "SECRET77" not in cursor.fetchone()[0]

    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="settings.payment_providers")
    assert entry.actor == riverton.clerk and entry.target == "Stripe"
    assert entry.changes == {"provider": ["Sandbox (test payments, no money moves)", "Stripe"],
                             "stripe_publishable_key": ["", "pk_test_PUBLIC42"],
                             "stripe_secret_key": ["", "(set)"], "stripe_webhook_secret": ["", "(set)"]}
    assert "SECRET77" not in json.dumps(entry.changes) and "HOOK88" not in json.dumps(entry.changes)

    assert sorted(m.to[0] for m in mail.outbox) == ["carl@riverton.example", "dora@riverton.example"]
    assert all(len(m.to) == 1 for m in mail.outbox)  # the admins' addresses are not shown to one another
    sent = mail.outbox[0]
    assert sent.subject == "[City of Riverton] The payment provider settings were changed"
    assert "carl@riverton.example" in sent.body and "Carl" in sent.body
    assert "Payment provider: Sandbox (test payments, no money moves) → Stripe" in sent.body
    assert "Stripe secret key: changed" in sent.body and "Stripe publishable key: changed" in sent.body
    assert "America/Denver" in sent.body
    for value in ("PUBLIC42", "SECRET77", "HOOK88"):
        assert value not in sent.body and value not in sent.subject


def test_an_empty_secret_field_keeps_the_saved_one_a_new_one_replaces_it_and_removing_is_a_choice(
        riverton, carl, django_capture_on_commit_callbacks):
    carl.post(PROVIDERS, provider_form(riverton, **STRIPE))
    mail.outbox.clear()
    kept = carl.post(PROVIDERS, provider_form(riverton, stripe_publishable_key="pk_test_PUBLIC43"))
    assert kept.status_code == 302
    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert saved.stripe_secret_key == "sk_test_SECRET77" and saved.stripe_publishable_key == "pk_test_PUBLIC43"

    carl.post(PROVIDERS, provider_form(riverton, stripe_secret_key="sk_test_NEWONE111"))
    assert PaymentSettings.objects.get(tenant=riverton.tenant).stripe_secret_key == "sk_test_NEWONE111"
    assert AuditEntry.objects.filter(action="settings.payment_providers").first().changes == {
        "stripe_secret_key": ["(set)", "(changed)"]}

    with django_capture_on_commit_callbacks(execute=True):
        carl.post(PROVIDERS, provider_form(riverton, provider="sandbox", forget_stripe_secrets=True))
    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert saved.stripe_secret_key == "" and saved.stripe_webhook_secret == "" and saved.provider == "sandbox"
    assert carl.get(PROVIDERS).content.decode().count("Not set.") == 2
    assert "Stripe secret key: removed" in mail.outbox[-1].body


def test_saving_without_a_change_records_nothing_and_emails_no_one(riverton, carl):
    assert carl.post(PROVIDERS, provider_form(riverton)).status_code == 302
    assert not AuditEntry.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("changes, field, message", [
    ({"stripe_publishable_key": "sk_live_PASTEDSECRET"}, "stripe_publishable_key", "This is a secret key"),
    ({"stripe_publishable_key": "rk_live_PASTEDSECRET"}, "stripe_publishable_key", "This is a secret key"),
    ({"stripe_publishable_key": "abc"}, "stripe_publishable_key", "A Stripe publishable key starts with pk_."),
    ({"stripe_secret_key": "pk_live_PASTEDSECRET"}, "stripe_secret_key", "A Stripe secret key starts with sk_ or rk_."),
    ({"stripe_webhook_secret": "sk_live_PASTEDSECRET"}, "stripe_webhook_secret", "starts with whsec_."),
    ({"stripe_publishable_key": ""}, "stripe_publishable_key", "Enter the Stripe publishable key to use Stripe."),
    ({"stripe_secret_key": ""}, "stripe_secret_key", "Enter the Stripe secret key to use Stripe."),
    ({"stripe_webhook_secret": ""}, "stripe_webhook_secret", "Enter the Stripe webhook signing secret to use Stripe."),
    ({"provider": "paypal"}, "provider", "Select a valid choice."),
    ({"provider": ""}, "provider", "This field is required."),
    ({"stripe_secret_key": "sk_" + "x" * 300}, "stripe_secret_key", "at most 200 characters"),
])
def test_bad_keys_are_explained_never_echoed_and_nothing_changes(riverton, carl, changes, field, message):
    before = stored(riverton)
    response = carl.post(PROVIDERS, provider_form(riverton, **{**STRIPE, **changes}))
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved. Please correct the fields marked below." in body and message in body
    assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    for secret in ("PASTEDSECRET", "SECRET77", "HOOK88"):
        assert secret not in body
    assert stored(riverton) == before
    assert not AuditEntry.objects.exists() and mail.outbox == []


def test_switching_is_refused_while_a_payment_is_unfinished_and_the_page_names_it(riverton, carl):
    unfinished = PaymentFactory(city=riverton, state=Payment.State.PROCESSING, items=1)
    response = carl.post(PROVIDERS, provider_form(riverton, **STRIPE))
    assert response.status_code == 400
    assert unfinished.reference in text(response) and "Wait until they are finished" in text(response)
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "sandbox"
    assert not AuditEntry.objects.exists() and mail.outbox == []


# --- Utility Admin - Payment -------------------------------------------------------------------------

def test_the_udf_names_are_shown_saved_recorded_and_used_by_no_other_page(riverton, carl):
    page = text(carl.get(UTILITY_PAYMENT))
    assert 'value="BLOCK CC"' in page and 'value="BLOCK ACH"' in page
    assert "Call Caselle Support" in page
    current = PaymentSettings.objects.get(tenant=riverton.tenant)
    response = carl.post(UTILITY_PAYMENT, form_data(current, UtilityPaymentForm.Meta.fields,
                                                    udf_block_card="  NO   CARDS ", udf_block_ach=""), follow=True)
    assert "The payment blocking settings were saved." in text(response)
    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert (saved.udf_block_card, saved.udf_block_ach) == ("NO CARDS", "")
    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="settings.utility_payment")
    assert entry.changes == {"udf_block_card": ["BLOCK CC", "NO CARDS"], "udf_block_ach": ["BLOCK ACH", ""]}
    assert mail.outbox == []


@pytest.mark.parametrize("changes, field, message", [
    ({"udf_block_card": "X" * 61}, "udf_block_card", "A UDF name has at most 60 characters."),
    ({"udf_block_ach": "BLOCK\x07ACH"}, "udf_block_ach", "Type the UDF's name as Caselle shows it, on one line."),
    ({"udf_block_ach": "BLOCK\x00ACH"}, "udf_block_ach", "Null characters are not allowed."),
    ({"udf_block_card": "<b>BLOCK CC</b>"}, "udf_block_card",
     "Type plain text: remove the HTML tag that starts with “<b”."),
    ({"udf_block_ach": "NO <script>"}, "udf_block_ach",
     "Type plain text: remove the HTML tag that starts with “<script”."),
])
def test_bad_udf_names_are_explained_and_nothing_changes(riverton, carl, changes, field, message):
    before = stored(riverton)
    current = PaymentSettings.objects.get(tenant=riverton.tenant)
    response = carl.post(UTILITY_PAYMENT, form_data(current, UtilityPaymentForm.Meta.fields,
                                                    **{"udf_block_card": "OK", **changes}))
    assert response.status_code == 400
    body = text(response)
    assert message in body and f'id="id_{field}_error"' in body
    assert stored(riverton) == before and not AuditEntry.objects.exists()
