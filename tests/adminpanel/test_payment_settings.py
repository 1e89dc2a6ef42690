"""Payment settings: provider and its write-only secrets, fees, limits, options, messages, receipt email."""

import html
import logging
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from adminpanel.forms import check_receipt_template
from billing.payments.models import PaymentSettings
from billing.payments.providers import payment_settings

SETTINGS = "/office/settings/payments/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(settings: PaymentSettings, **changes) -> dict:
    """The form as the page sends it: every field with its current value (checkboxes only when ticked)."""
    data = {}
    for name, value in model_to_dict(settings).items():
        if name in ("id", "tenant", "stripe_secret_key", "stripe_webhook_secret"):
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else str(value)
    for name, value in changes.items():
        if value is None or value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    return data


@pytest.fixture
def current(riverton):
    return payment_settings(riverton.tenant)


def stored(city) -> dict:
    return model_to_dict(PaymentSettings.objects.get(tenant=city.tenant))


def test_it_shows_the_current_settings_and_a_fee_preview(riverton, current, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(SETTINGS))
    assert 'value="2.95"' in body and 'value="BLOCK CC"' in body and 'value="BLOCK ACH"' in body
    assert "Service fee on a $100.00 payment" in body
    assert "$2.95" in body and "$102.95" in body  # card: 2.95 %
    assert "$0.95" in body and "$100.95" in body  # bank account: flat 0.95
    for variable in ("{city}", "{items}", "{amount}", "{fee}", "{total}", "{method}", "{date}", "{reference}",
                     "{posting}"):
        assert variable in body


def test_saving_changes_the_settings_records_who_and_says_so(riverton, current, client_for, caplog):
    clerk = client_for(riverton.clerk, riverton.tenant)
    data = form_data(current, card_fee_percent="3.25", ach_fee_flat="1.10", maximum_payment="7500.00",
                     allow_shopping_cart=False, require_comment_for_other_payments=True,
                     other_payments_message="Pavilion deposits are refundable.", udf_block_card="NO CARDS",
                     receipt_subject="{city}: receipt {reference}")
    with caplog.at_level(logging.INFO, logger="adminpanel.services"):
        response = clerk.post(SETTINGS, data, follow=True)
    assert response.status_code == 200
    assert "The payment settings were saved." in text(response)
    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert saved.card_fee_percent == Decimal("3.25") and saved.ach_fee_flat == Decimal("1.10")
    assert saved.maximum_payment == Decimal("7500.00")
    assert saved.allow_shopping_cart is False and saved.require_comment_for_other_payments is True
    assert saved.other_payments_message == "Pavilion deposits are refundable."
    assert saved.udf_block_card == "NO CARDS" and saved.receipt_subject == "{city}: receipt {reference}"
    record = next(r for r in caplog.records if r.getMessage() == "payment settings changed")
    assert record.acting_user_id == riverton.clerk.id
    assert "card_fee_percent" in record.fields and "udf_block_card" in record.fields


@pytest.mark.parametrize("changes, field, message", [
    ({"card_fee_percent": "10.5"}, "card_fee_percent", "A service fee can be at most 10 percent."),
    ({"ach_fee_percent": "-1"}, "ach_fee_percent", "Enter zero or more."),
    ({"card_fee_flat": "-0.50"}, "card_fee_flat", "Enter zero or more."),
    ({"card_fee_minimum": "1.505"}, "card_fee_minimum", "Use dollars and cents, such as 1.50."),
    ({"ach_fee_minimum": "lots"}, "ach_fee_minimum", "Enter an amount, such as 1.50."),
    ({"card_fee_percent": "2.955"}, "card_fee_percent", "Use at most 2 decimal places, such as 2.95."),
    ({"minimum_payment": "0"}, "minimum_payment", "The smallest payment must be more than zero."),
    ({"minimum_payment": "100", "maximum_payment": "50"}, "maximum_payment",
     "The largest payment must be at least the smallest payment."),
    ({"maximum_overpayment": "-5"}, "maximum_overpayment", "Enter zero or more."),
    ({"receipt_body": "Thanks {name}, you paid {amount}."}, "receipt_body", "Unknown variable {name}."),
    ({"receipt_subject": "Receipt {city"}, "receipt_subject", "A { or } is not closed."),
    ({"receipt_body": "{amount.__class__}"}, "receipt_body", "Unknown variable {amount.__class__}."),
    ({"stripe_publishable_key": "sk_live_oops"}, "stripe_publishable_key", "starts with pk_"),
    ({"provider": "stripe"}, "stripe_publishable_key", "Enter the Stripe publishable key to use Stripe."),
    ({"provider": "paypal"}, "provider", "Select a valid choice."),
])
def test_invalid_settings_are_explained_and_nothing_changes(riverton, current, client_for, changes, field, message):
    before = stored(riverton)
    data = form_data(current, **{"allow_guest_payments": False, **changes})  # a valid change alongside: not saved either
    response = client_for(riverton.clerk, riverton.tenant).post(SETTINGS, data)
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved. Please correct the fields marked below." in body
    assert message in body
    assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    assert stored(riverton) == before


def test_secrets_never_appear_in_the_page_and_an_empty_field_keeps_them(riverton, current, client_for):
    current.stripe_publishable_key = "pk_test_visible123"
    current.stripe_secret_key = "sk_test_TOPSECRET987"
    current.stripe_webhook_secret = "whsec_HIDDEN555"
    current.save()
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = clerk.get(SETTINGS).content.decode()
    assert "sk_test_TOPSECRET987" not in body and "whsec_HIDDEN555" not in body
    assert "TOPSECRET" not in body and "HIDDEN555" not in body
    assert "pk_test_visible123" in body
    assert body.count("Set. Leave empty to keep it") == 2

    # Saved with the secret boxes empty: the secrets stay.
    response = clerk.post(SETTINGS, form_data(current, payment_page_message="Fees apply."))
    assert response.status_code == 302
    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert saved.stripe_secret_key == "sk_test_TOPSECRET987" and saved.stripe_webhook_secret == "whsec_HIDDEN555"
    assert saved.payment_page_message == "Fees apply."

    # A new one replaces it, and a refused form does not echo what was typed.
    clerk.post(SETTINGS, form_data(current, stripe_secret_key="sk_test_NEWONE111"))
    assert PaymentSettings.objects.get(tenant=riverton.tenant).stripe_secret_key == "sk_test_NEWONE111"
    refused = clerk.post(SETTINGS, form_data(current, stripe_secret_key="sk_test_NEWTWO222", card_fee_percent="50"))
    assert refused.status_code == 400 and "NEWTWO222" not in refused.content.decode()
    assert "NEWONE111" not in refused.content.decode()
    wrong_box = clerk.post(SETTINGS, form_data(current, stripe_webhook_secret="sk_live_PASTEDHERE"))
    assert "PASTEDHERE" not in wrong_box.content.decode() and "starts with whsec_" in text(wrong_box)

    # Removing them is a choice of its own.
    clerk.post(SETTINGS, form_data(current, forget_stripe_secrets=True))
    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert saved.stripe_secret_key == "" and saved.stripe_webhook_secret == ""
    assert clerk.get(SETTINGS).content.decode().count("Not set.") == 2


def test_the_fee_preview_follows_the_fields_as_typed(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.get("/office/settings/payments/fee-preview/", {
        "card_fee_percent": "3", "card_fee_flat": "0.30", "card_fee_minimum": "0",
        "ach_fee_percent": "0", "ach_fee_flat": "0", "ach_fee_minimum": "2.00"}))
    assert "$3.30" in body and "$103.30" in body
    assert "$2.00" in body and "$102.00" in body
    bad = text(clerk.get("/office/settings/payments/fee-preview/", {"card_fee_percent": "abc"}))
    assert "Correct the fee fields to see the preview." in bad


@pytest.mark.parametrize("template", [
    "Thank you, {city}. {items} {amount} {fee} {total} {method} {date} {reference} {posting}",
    "No variables at all.",
    "Braces doubled {{like this}} are text.",
])
def test_templates_with_only_the_listed_variables_are_accepted(template):
    check_receipt_template(template)


@pytest.mark.parametrize("template", ["{0}", "{}", "{amount:>10}", "{amount!r}", "{items[0]}", "oops }", "{city"])
def test_templates_with_anything_else_are_refused(template):
    from django.forms import ValidationError

    with pytest.raises(ValidationError):
        check_receipt_template(template)
