"""Payment Providers' Utility bills account: the office adds it, renames it, changes its keys and removes it from the
browser (behind re-authentication, audited without secrets, every admin emailed); utility bills then go to it, and
Deposit Reconciliation offers it, a removed one "(retired)" for its past deposits."""

from __future__ import annotations

import html
import json

import pytest
from django.core import mail

from adminpanel.models import AuditEntry
from billing.payments import checkout
from billing.payments.checkout import MethodSpec
from billing.payments.models import PaymentSettings
from billing.payments.provider_account import ProviderAccount
from billing.payments.providers import add_utility_account, current_account
from billing.payments.settings import SettingsRefused
from billing.payments.utility_account import UtilityAccountRefused, save_payment_providers, save_utility_account
from tests.stripe_fixtures import configure_stripe

from ..billing.deposit_helpers import on, paid, permit, water
from ..conftest import make_office_admin
from ..factories import UserFactory
from .test_payment_settings import form_data
from .test_reauth import confirmed

PROVIDERS = "/office/settings/providers/"
SAVE = "/office/settings/providers/utility/"
REMOVE = "/office/settings/providers/utility/remove/"
DEPOSITS = "/office/payments/deposits/"
UTILITY_KEYS = {"utility-publishable_key": "pk_test_UTILPUB", "utility-secret_key": "sk_test_UTILSECRET",
                "utility-webhook_secret": "whsec_UTILHOOK"}


def text(response) -> str:
    return html.unescape(response.content.decode())


def utility_rows(city):
    return list(ProviderAccount.objects.filter(tenant=city.tenant, purpose="utility").order_by("id"))


@pytest.fixture
def carl(riverton, client_for):
    """Riverton's clerk, having just confirmed who he is."""
    return confirmed(client_for(riverton.clerk, riverton.tenant))


@pytest.fixture
def dora(riverton):
    """A second office admin of Riverton."""
    return make_office_admin(riverton.tenant, UserFactory(email="dora@riverton.example", first_name="Dora"))


def test_the_clerk_adds_a_utility_account_on_the_sandbox_and_utility_bills_are_paid_into_it(
        riverton, dora, carl, anon_client, django_capture_on_commit_callbacks):
    page = text(carl.get(PROVIDERS))
    assert "Utility bills account (optional)" in page
    assert "Checkouts made only of utility bills are paid into this account" in page
    assert "None: every payment goes to the General account." in page
    assert 'name="utility-name" value="Utility"' in page and "utility-secret_key" not in page  # no keys on the sandbox

    with django_capture_on_commit_callbacks(execute=True):
        response = carl.post(SAVE, {"utility-name": "Utility"}, follow=True)

    assert "The Utility bills account was saved." in text(response)
    assert "In use: Utility (Sandbox)." in text(response) and "Remove Utility bills account" in text(response)
    [account] = utility_rows(riverton)
    assert (account.provider, account.name, account.retired_at) == ("sandbox", "Utility", None)
    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="settings.utility_account")
    assert entry.actor == riverton.clerk and entry.target == "Utility (Sandbox)"
    assert entry.changes == {"name": ["", "Utility"]}
    assert sorted(m.to[0] for m in mail.outbox) == ["carl@riverton.example", "dora@riverton.example"]
    assert mail.outbox[0].subject == "[City of Riverton] The payment provider settings were changed"
    assert "Utility bills account: added (Utility (Sandbox))" in mail.outbox[0].body

    with on(riverton, 2026, 12, 7):
        bill = paid(riverton, anon_client, items=[water("42.10")])
        other = paid(riverton, anon_client, items=[permit("9.00")])
        mixed = paid(riverton, anon_client, items=[water("10.00"), permit("5.00")])
    assert bill.provider_account_id == account.id
    assert other.provider_account_id == mixed.provider_account_id == current_account(riverton.tenant).id != account.id

    with on(riverton, 2026, 12, 9):
        deposits = text(carl.get(DEPOSITS))
        deposit = text(carl.get(DEPOSITS, {"deposit_date": "2026-12-08", "account": account.pk}))
    assert "General (Sandbox)" in deposits and f'<option value="{account.pk}">Utility (Sandbox)</option>' in deposits
    assert bill.reference in deposit and other.reference not in deposit


def test_renaming_keeps_the_same_account_and_the_general_account_can_be_named_too(
        riverton, carl, django_capture_on_commit_callbacks):
    carl.post(SAVE, {"utility-name": "Utility"})
    with django_capture_on_commit_callbacks(execute=True):
        assert carl.post(SAVE, {"utility-name": "  Water   and Sewer "}).status_code == 302
    [account] = utility_rows(riverton)
    assert account.name == "Water and Sewer" and account.retired_at is None  # the same row: the same deposits
    renamed = AuditEntry.objects.filter(action="settings.utility_account").first()
    assert renamed.changes == {"name": ["Utility", "Water and Sewer"]}
    assert "Name of the Utility bills account: Utility → Water and Sewer" in mail.outbox[-1].body

    general_form = form_data(PaymentSettings.objects.get(tenant=riverton.tenant), ["provider"], general_name="Main")
    with django_capture_on_commit_callbacks(execute=True):
        assert carl.post(PROVIDERS, general_form).status_code == 302
    assert current_account(riverton.tenant).name == "Main"
    assert AuditEntry.objects.filter(action="settings.payment_providers").first().changes == {
        "general_name": ["General", "Main"]}
    assert "Name of the General account: General → Main" in mail.outbox[-1].body
    options = text(carl.get(DEPOSITS))
    assert "Main (Sandbox)" in options and "Water and Sewer (Sandbox)" in options

    clash = carl.post(PROVIDERS, {**general_form, "general_name": "water and sewer"})
    assert clash.status_code == 400 and "The Utility bills account has this name" in text(clash)
    assert current_account(riverton.tenant).name == "Main"


def test_a_general_account_name_holding_a_tag_is_refused_on_its_field_and_nothing_is_saved(riverton, carl):
    general_form = form_data(PaymentSettings.objects.get(tenant=riverton.tenant), ["provider"],
                             general_name="<i>Main</i>")
    response = carl.post(PROVIDERS, general_form)
    body = text(response)
    assert response.status_code == 400 and 'id="id_general_name_error"' in body
    assert "Type plain text: remove the HTML tag that starts with “<i”." in body
    assert current_account(riverton.tenant).name != "<i>Main</i>" and not AuditEntry.objects.exists()


def test_the_domain_refuses_account_names_holding_a_tag(riverton):
    with pytest.raises(SettingsRefused, match="Type plain text"):
        save_payment_providers(tenant=riverton.tenant, changes={}, name="<b>Main", acting_user=riverton.clerk)
    with pytest.raises(UtilityAccountRefused) as refused:
        save_utility_account(tenant=riverton.tenant, name="Water </td>", acting_user=riverton.clerk)
    assert refused.value.errors == {"name": "Type plain text: remove the HTML tag that starts with “</td”."}
    assert current_account(riverton.tenant).name != "<b>Main" and utility_rows(riverton) == []


def test_on_stripe_it_is_not_offered_and_says_why(riverton, carl):
    configure_stripe(riverton.tenant)
    page = text(carl.get(PROVIDERS))
    assert "On Stripe a Utility bills account is not offered" in page and "Add Utility bills account" not in page
    response = carl.post(SAVE, {"utility-name": "Utility", **UTILITY_KEYS})
    assert response.status_code == 400 and "On Stripe a Utility bills account is not offered" in text(response)
    assert "UTILSECRET" not in text(response)
    assert utility_rows(riverton) == [] and not AuditEntry.objects.exists() and mail.outbox == []


def test_on_stripe_every_checkout_is_charged_on_the_general_account(riverton, stripe_riverton, localstripe):
    # Even a Utility row made in code (add_utility_account) is never charged through on Stripe: cards are tokenized
    # and saved with the General account's keys.
    add_utility_account(tenant=riverton.tenant, name="Utility", keys={
        "provider": "stripe", "publishable_key": "pk_test_UTILPUB", "secret_key": "sk_test_UTILSECRET",
        "webhook_secret": "whsec_UTILHOOK"})

    def pay(items):
        payment = checkout.start_checkout(tenant=riverton.tenant, items=items, user=riverton.resident,
                                          method=MethodSpec(token=localstripe.card("4242424242424242")))
        return checkout.confirm_payment(payment=payment)

    bill, other = pay([water("42.10")]), pay([permit("9.00")])
    assert bill.state == other.state == "charged"
    assert bill.provider_account.secret_key == other.provider_account.secret_key == stripe_riverton.secret_key


BAD = [
    ({"utility-name": "  "}, "name", "Enter a name for the account, such as Utility."),
    ({"utility-name": "general"}, "name", "The General account has this name"),
    ({"utility-name": "U" * 41}, "name", "at most 40 characters"),
    ({"utility-name": "<b>Utility</b>"}, "name", "Type plain text: remove the HTML tag that starts with “<b”."),
]


@pytest.mark.parametrize("changes, field, message", BAD)
def test_bad_names_are_explained_and_nothing_is_saved(riverton, carl, changes, field, message):
    response = carl.post(SAVE, {"utility-name": "Utility", **changes})
    assert response.status_code == 400
    body = text(response)
    assert "The Utility bills account was not saved. Please correct the fields marked below." in body
    assert message in body and f'id="id_utility-{field}_error"' in body
    for secret in ("PASTEDSECRET", "UTILSECRET", "UTILHOOK"):
        assert secret not in body
    assert utility_rows(riverton) == [] and not AuditEntry.objects.exists() and mail.outbox == []


def test_it_is_refused_while_the_city_has_no_payment_provider(riverton, carl):
    settings = PaymentSettings.objects.get(tenant=riverton.tenant)
    settings.provider = "none"
    settings.save()
    page = text(carl.get(PROVIDERS))
    assert "Choose a payment provider for the General account first" in page and "Add Utility bills account" not in page
    response = carl.post(SAVE, {"utility-name": "Utility"})
    assert response.status_code == 400
    assert "Choose a payment provider for the General account first" in text(response)
    assert utility_rows(riverton) == [] and not AuditEntry.objects.exists() and mail.outbox == []


def test_removing_asks_first_then_retires_it_and_its_deposits_stay_to_reconcile(
        riverton, carl, anon_client, django_capture_on_commit_callbacks):
    carl.post(SAVE, {"utility-name": "Utility"})
    [account] = utility_rows(riverton)
    with on(riverton, 2026, 12, 7):
        bill = paid(riverton, anon_client, items=[water("42.10")])
    mail.outbox.clear()

    ask = text(carl.get(REMOVE))
    assert "Remove the Utility bills account" in ask and "not into Utility (Sandbox)" in ask
    assert "its deposits stay on Deposit Reconciliation, marked (retired)" in ask
    assert utility_rows(riverton)[0].retired_at is None  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = carl.post(REMOVE, follow=True)

    assert "The Utility bills account was removed." in text(response)
    assert "None: every payment goes to the General account." in text(response)
    [kept] = utility_rows(riverton)
    assert kept.retired_at is not None
    bill.refresh_from_db()
    assert bill.provider_account_id == kept.id  # a payment keeps the account it began on
    with on(riverton, 2026, 12, 8):
        later = paid(riverton, anon_client, items=[water("15.00")])
    assert later.provider_account_id == current_account(riverton.tenant).id
    entry = AuditEntry.objects.get(action="settings.utility_account.remove")
    assert entry.target == "Utility (Sandbox) (retired)" and entry.changes == {
        "utility_account": ["Utility (Sandbox)", "(removed)"]}
    assert "Utility bills account: removed (Utility (Sandbox))" in mail.outbox[0].body

    with on(riverton, 2026, 12, 9):
        deposits = text(carl.get(DEPOSITS))
        past = text(carl.get(DEPOSITS, {"deposit_date": "2026-12-08", "account": kept.pk}))
    assert f'<option value="{kept.pk}">Utility (Sandbox) (retired)</option>' in deposits
    assert "Deposit of Tuesday, Dec 8, 2026 from Utility (Sandbox) (retired)" in past and bill.reference in past

    again = carl.get(REMOVE, follow=True)
    assert "There is no Utility bills account to remove." in text(again)
    assert AuditEntry.objects.filter(action="settings.utility_account.remove").count() == 1


def test_adding_the_same_name_again_brings_the_retired_account_back(riverton, carl):
    carl.post(SAVE, {"utility-name": "Utility"})
    carl.post(REMOVE)
    carl.post(SAVE, {"utility-name": "Utility"})
    [account] = utility_rows(riverton)  # the same merchant account, so its deposits stay one series
    assert account.retired_at is None
    carl.post(REMOVE)
    carl.post(SAVE, {"utility-name": "Bills"})
    assert [(a.name, a.retired_at is None) for a in utility_rows(riverton)] == [("Utility", False), ("Bills", True)]


@pytest.mark.parametrize("url, data", [(SAVE, {"utility-name": "Utility"}), (REMOVE, {})])
def test_saving_or_removing_needs_a_fresh_confirmation_and_saves_nothing_without_it(riverton, client_for, url, data):
    save_utility_account(tenant=riverton.tenant, name="Utility", acting_user=riverton.clerk)
    clerk = client_for(riverton.clerk, riverton.tenant)  # signed in, but not lately confirmed
    response = clerk.post(url, {"utility-name": "Renamed"} if data else data)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    [account] = utility_rows(riverton)
    assert (account.name, account.retired_at) == ("Utility", None)
    assert not AuditEntry.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("url", [SAVE, REMOVE])
def test_residents_and_another_citys_clerk_get_404_and_change_nothing(riverton, lakeside, larry, client_for, url):
    save_utility_account(tenant=riverton.tenant, name="Utility", acting_user=riverton.clerk)
    for person in (riverton.resident, larry, lakeside.clerk):
        client = confirmed(client_for(person, riverton.tenant))
        assert client.get(url).status_code == 404
        assert client.post(url, {"utility-name": "Theirs"}).status_code == 404
    [account] = utility_rows(riverton)
    assert (account.name, account.retired_at) == ("Utility", None)
    assert not AuditEntry.objects.exists()


def test_the_save_address_opened_directly_shows_the_page(riverton, carl):
    response = carl.get(SAVE)
    assert response.status_code == 302 and response["Location"] == PROVIDERS + "#utility-heading"


def test_the_general_keys_may_not_mix_a_test_key_and_a_live_key_either(riverton, carl):
    general_form = {**form_data(PaymentSettings.objects.get(tenant=riverton.tenant), ["provider"]),
                    "provider": "stripe", "stripe_publishable_key": "pk_test_PUBLIC42",
                    "stripe_secret_key": "sk_live_LIVESECRET", "stripe_webhook_secret": "whsec_HOOK88"}
    response = carl.post(PROVIDERS, general_form)
    assert response.status_code == 400
    assert "One key is a test key and the other a live key" in text(response) and "LIVESECRET" not in text(response)
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "sandbox"
    assert not AuditEntry.objects.exists() and mail.outbox == []


def test_the_database_keeps_one_utility_account_in_use_per_provider(riverton):
    from django.db import IntegrityError, transaction

    first = save_utility_account(tenant=riverton.tenant, name="Utility", acting_user=riverton.clerk)
    with pytest.raises(IntegrityError), transaction.atomic():  # what two admins adding at once would make
        ProviderAccount.objects.create(tenant=riverton.tenant, provider="sandbox", purpose="utility", name="Bills",
                                       fingerprint="another")
    ProviderAccount.objects.filter(pk=first.pk).update(retired_at=first.created_at)
    assert save_utility_account(tenant=riverton.tenant, name="Bills", acting_user=riverton.clerk).pk != first.pk
