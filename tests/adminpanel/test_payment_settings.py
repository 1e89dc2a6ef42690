"""Admin - Payment: service fees with the live preview, limits, the payment page and complete messages.

The provider and keys are on Payment Providers (test_providers.py), the UDFs on Utility Admin - Payment.
"""

import html
import logging
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from adminpanel.forms import PaymentSettingsForm
from adminpanel.models import AuditEntry
from billing.payments.models import PaymentSettings
from billing.payments.providers import payment_settings
from billing.payments.settings import update_payment_settings
from portal.portal_settings import PortalSettingsRefused

from ..factories import PaymentFactory

SETTINGS = "/office/settings/payments/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(settings: PaymentSettings, fields=None, **changes) -> dict:
    """A form as its page sends it: each of its fields with its current value (checkboxes only when ticked).

    The Payment form's fields unless `fields` names another form's (ProviderForm.Meta.fields, say).
    """
    fields = PaymentSettingsForm.Meta.fields if fields is None else fields
    data = {}
    for name, value in model_to_dict(settings, fields=fields).items():
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


@pytest.mark.parametrize("method", ["get", "post"])
def test_residents_and_another_citys_clerk_get_404(riverton, lakeside, larry, client_for, method):
    before = stored(riverton)
    for person, city in ((riverton.resident, riverton), (larry, riverton), (lakeside.clerk, riverton)):
        for url in (SETTINGS, SETTINGS + "fee-preview/"):
            response = getattr(client_for(person, city.tenant), method)(url, {"card_fee_percent": "9"})
            assert response.status_code == 404
    assert stored(riverton) == before


def test_it_shows_the_current_settings_and_a_fee_preview(riverton, current, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(SETTINGS))
    assert 'value="2.95"' in body and 'value="5000.00"' in body
    assert "Service fee on a $100.00 payment" in body
    assert "$2.95" in body and "$102.95" in body  # card: 2.95 %
    assert "$0.95" in body and "$100.95" in body  # bank account: flat 0.95
    assert "Payment page message" in body and "Payment complete page message" in body


def test_the_provider_the_options_and_the_udfs_are_no_longer_on_this_page(riverton, current, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(SETTINGS))
    for moved in ("provider", "stripe_publishable_key", "stripe_secret_key", "allow_other_payments",
                  "require_comment_for_other_payments", "allow_guest_payments", "allow_shopping_cart",
                  "other_payments_message", "udf_block_card", "udf_block_ach"):
        assert f'name="{moved}"' not in body
    assert 'href="/office/settings/providers/"' in body


def test_saving_changes_the_settings_records_who_in_the_audit_log_and_says_so(riverton, current, client_for, caplog):
    clerk = client_for(riverton.clerk, riverton.tenant)
    data = form_data(current, card_fee_percent="3.25", ach_fee_flat="1.10", maximum_payment="7500.00",
                     payment_page_message="AutoPay payments add our usual service fee.",
                     payment_complete_message="Thank you! Your payment reaches the office today.")
    with caplog.at_level(logging.INFO, logger="billing.payments.settings"):
        response = clerk.post(SETTINGS, data, follow=True)
    assert response.status_code == 200
    assert "The payment settings were saved." in text(response)
    saved = PaymentSettings.objects.get(tenant=riverton.tenant)
    assert saved.card_fee_percent == Decimal("3.25") and saved.ach_fee_flat == Decimal("1.10")
    assert saved.maximum_payment == Decimal("7500.00")
    assert saved.payment_page_message == "AutoPay payments add our usual service fee."
    record = next(r for r in caplog.records if r.getMessage() == "payment settings changed")
    assert record.acting_user_id == riverton.clerk.id
    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="settings.payment")
    assert entry.actor == riverton.clerk and entry.summary == "Changed the payment settings"
    assert entry.changes["card_fee_percent"] == ["2.95", "3.25"]
    assert entry.changes["maximum_payment"] == ["5000.00", "7500.00"]
    assert entry.changes["payment_page_message"] == ["", "AutoPay payments add our usual service fee."]
    assert set(entry.changes) == {
        "card_fee_percent", "ach_fee_flat", "maximum_payment", "payment_page_message", "payment_complete_message"}


def test_saving_this_page_leaves_the_options_provider_and_udfs_as_they_were(riverton, current, client_for):
    current.allow_guest_payments = current.allow_other_payments = current.allow_shopping_cart = True
    current.require_comment_for_other_payments = True
    current.other_payments_message = "Pavilion deposits are refundable."
    current.save()
    before = stored(riverton)
    # The page sends none of those fields: unticked checkboxes would look the same, and must not count as "off".
    response = client_for(riverton.clerk, riverton.tenant).post(SETTINGS, form_data(current, card_fee_flat="0.25"))
    assert response.status_code == 302
    after = stored(riverton)
    assert after.pop("card_fee_flat") == Decimal("0.25")
    before.pop("card_fee_flat")
    assert after == before


def test_saving_again_without_a_change_records_nothing(riverton, current, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert clerk.post(SETTINGS, form_data(current, card_fee_flat="0.10")).status_code == 302
    recorded = AuditEntry.objects.filter(tenant=riverton.tenant).count()
    again = form_data(PaymentSettings.objects.get(tenant=riverton.tenant))
    assert clerk.post(SETTINGS, again).status_code == 302
    assert AuditEntry.objects.filter(tenant=riverton.tenant).count() == recorded == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"card_fee_percent": "10.5"}, "card_fee_percent", "A service fee can be at most 10 percent."),
    ({"card_fee_percent": "100"}, "card_fee_percent", "A service fee can be at most 10 percent."),
    ({"ach_fee_percent": "-1"}, "ach_fee_percent", "Enter zero or more."),
    ({"card_fee_flat": "-0.50"}, "card_fee_flat", "Enter zero or more."),
    ({"card_fee_minimum": "1.505"}, "card_fee_minimum", "Use dollars and cents, such as 1.50."),
    ({"ach_fee_minimum": "lots"}, "ach_fee_minimum", "Enter an amount, such as 1.50."),
    ({"ach_fee_flat": ""}, "ach_fee_flat", "This field is required."),
    ({"card_fee_percent": "2.955"}, "card_fee_percent", "Use at most 2 decimal places, such as 2.95."),
    ({"card_fee_percent": "NaN"}, "card_fee_percent", "Enter a percentage, such as 2.95."),
    ({"minimum_payment": "0"}, "minimum_payment", "The smallest payment must be more than zero."),
    ({"minimum_payment": "100", "maximum_payment": "50"}, "maximum_payment",
     "The largest payment must be at least the smallest payment."),
    ({"maximum_payment": "10000000000000"}, "maximum_payment", "Ensure that there are no more than 12 digits"),
    ({"maximum_overpayment": "-5"}, "maximum_overpayment", "Enter zero or more."),
    ({"payment_page_message": "x" * 4001}, "payment_page_message", "A message can be at most 4000 characters"),
    ({"payment_complete_message": "y" * 4001}, "payment_complete_message", "A message can be at most 4000 characters"),
    ({"payment_page_message": "Card fee: <b>2.95%</b>"}, "payment_page_message",
     "Messages are plain text: remove the HTML tag that starts with “<b”. Line breaks are kept as you type them."),
    ({"payment_complete_message": 'Thanks! <a href="https://x.example">Survey</a>'}, "payment_complete_message",
     "Messages are plain text: remove the HTML tag that starts with “<a href="),
])
def test_invalid_settings_are_explained_and_nothing_changes(riverton, current, client_for, changes, field, message):
    refused_and_nothing_saved(riverton, current, client_for, changes, field, message)


def refused_and_nothing_saved(riverton, current, client_for, changes, field, message):
    before = stored(riverton)
    data = form_data(current, **{"card_fee_flat": "0.77", **changes})  # a valid change alongside: not saved either
    response = client_for(riverton.clerk, riverton.tenant).post(SETTINGS, data)
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved. Please correct the fields marked below." in body
    assert message in body
    assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    assert stored(riverton) == before
    assert not AuditEntry.objects.filter(tenant=riverton.tenant).exists()


@pytest.mark.parametrize("field", ["payment_page_message", "payment_complete_message", "other_payments_message"])
def test_the_domain_refuses_a_message_with_a_tag_whichever_screen_saves_it(riverton, field):
    before = stored(riverton)
    with pytest.raises(PortalSettingsRefused, match="Messages are plain text") as refused:
        update_payment_settings(tenant=riverton.tenant, changes={field: "<i>Thanks</i>"}, acting_user=riverton.clerk)
    assert refused.value.field == field and stored(riverton) == before


def test_a_message_with_line_breaks_and_a_less_than_sign_is_shown_to_residents_as_typed(riverton, current,
                                                                                       client_for):
    response = client_for(riverton.clerk, riverton.tenant).post(SETTINGS, form_data(
        current, payment_complete_message="Thank you!\r\nRefunds take < 5 days."))
    assert response.status_code == 302
    payment = PaymentFactory(city=riverton)
    page = client_for(riverton.resident, riverton.tenant).get(f"/pay/{payment.reference}/").content.decode()
    assert "<p>Thank you!<br>Refunds take &lt; 5 days.</p>" in page


def test_the_fee_preview_follows_the_fields_as_typed(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.get("/office/settings/payments/fee-preview/", {
        "card_fee_percent": "3", "card_fee_flat": "0.30", "card_fee_minimum": "0",
        "ach_fee_percent": "0", "ach_fee_flat": "0", "ach_fee_minimum": "2.00"}))
    assert "$3.30" in body and "$103.30" in body
    assert "$2.00" in body and "$102.00" in body
    bad = text(clerk.get("/office/settings/payments/fee-preview/", {"card_fee_percent": "abc"}))
    assert "Correct the fee fields to see the preview." in bad


def test_the_payment_complete_message_shows_on_the_confirmation_page(riverton, current, client_for):
    client_for(riverton.clerk, riverton.tenant).post(SETTINGS, form_data(
        current, payment_complete_message="Thank you! Questions? Call 555-0100."))
    payment = PaymentFactory(city=riverton)
    page = text(client_for(riverton.resident, riverton.tenant).get(f"/pay/{payment.reference}/"))
    assert "Thank you! Questions? Call 555-0100." in page


def test_the_payment_page_message_shows_on_manage_autopay(riverton, current, account, client_for):
    client_for(riverton.clerk, riverton.tenant).post(SETTINGS, form_data(
        current, payment_page_message="AutoPay adds the card fee to each payment."))
    page = text(client_for(riverton.resident, riverton.tenant).get(f"/utility/accounts/{account}/autopay/"))
    assert "AutoPay:" in page and "AutoPay adds the card fee to each payment." in page
