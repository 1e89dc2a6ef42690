"""Admin - Portal Settings - General: the drop-down label, messages, tiles, payment options, contact details."""

import html

import pytest

from adminpanel.models import AuditEntry
from billing.payments.models import PaymentSettings
from portal.models import PortalSettings, Tenant

from .audit_helpers import audit_rows

GENERAL = "/office/settings/general/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(city, **changes) -> dict:
    """The form as the page sends it: every field with its current value (checkboxes only when ticked)."""
    portal, payment = PortalSettings.objects.get(tenant=city.tenant), PaymentSettings.objects.get(tenant=city.tenant)
    data = {name: getattr(portal, name) for name in (
        "departments_label", "login_top_message", "login_bottom_message", "landing_message",
        "office_phone", "office_email", "office_address")}
    data["other_payments_message"] = payment.other_payments_message
    for name in ("allow_other_payments", "require_comment_for_other_payments", "allow_guest_payments",
                 "allow_shopping_cart"):
        if getattr(payment, name):
            data[name] = "on"
    data["enabled_modules"] = list(Tenant.objects.get(pk=city.tenant.pk).enabled_modules)
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    return data


def stored(city) -> dict:
    portal, payment = PortalSettings.objects.get(tenant=city.tenant), PaymentSettings.objects.get(tenant=city.tenant)
    return {**{f.name: getattr(portal, f.name) for f in PortalSettings._meta.concrete_fields if f.name != "tenant"},
            **{f"pay.{f.name}": getattr(payment, f.name) for f in PaymentSettings._meta.concrete_fields
               if f.name != "tenant"},
            "enabled_modules": Tenant.objects.get(pk=city.tenant.pk).enabled_modules}


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def test_it_shows_the_current_settings(riverton, clerk):
    s = riverton.tenant.portal_settings
    s.login_top_message, s.office_phone = "Pay online any time.", "(555) 010-0100"
    s.save()
    body = text(clerk.get(GENERAL))
    assert "Pay online any time." in body and 'value="(555) 010-0100"' in body
    assert "Main navigation drop-down label" in body and "Allow payments without logging in" in body
    assert 'name="enabled_modules" value="utility_billing"' in body and "Other Payments screen message" in body


def test_saving_changes_every_field_and_shows_them_to_residents(riverton, clerk, client_for, anon_client):
    data = form_data(riverton, departments_label="City Services", login_top_message="Top news.",
                     login_bottom_message="Bottom news.\nSecond line.", landing_message="Hydrant flushing Monday.",
                     office_phone="(555) 010-0199", office_email="utility@riverton.example",
                     office_address="1 Main St\nRiverton, ID 83000", allow_shopping_cart=False,
                     require_comment_for_other_payments=True, other_payments_message="Deposits are refundable.",
                     enabled_modules=["utility_billing"])
    response = clerk.post(GENERAL, data, follow=True)
    assert "The general settings were saved." in text(response)
    saved = stored(riverton)
    assert saved["departments_label"] == "City Services" and saved["landing_message"] == "Hydrant flushing Monday."
    assert saved["login_bottom_message"] == "Bottom news.\nSecond line."
    assert saved["pay.allow_shopping_cart"] is False and saved["pay.require_comment_for_other_payments"] is True
    assert saved["pay.other_payments_message"] == "Deposits are refundable."
    assert saved["enabled_modules"] == ["utility_billing"]

    landing = text(anon_client(riverton.tenant).get("/"))
    assert "Top news." in landing and "Bottom news.<br>Second line." in landing
    assert "1 Main St<br>Riverton, ID 83000" in landing and 'href="mailto:utility@riverton.example"' in landing
    welcome = text(client_for(riverton.resident, riverton.tenant).get("/"))
    assert "Hydrant flushing Monday." in welcome
    assert "<summary>City Services</summary>" in welcome  # the header's drop-down, under the office's label
    assert "Other Payments" not in welcome  # neither a tile nor in the menu
    assert 'class="tile"' in welcome and ">Cart</a>" not in welcome


def test_one_save_is_one_audit_row_with_before_and_after(riverton, clerk):
    clerk.post(GENERAL, form_data(riverton, landing_message="New words.", allow_guest_payments=False,
                                  enabled_modules=["other_payments"]))
    [(actor, _target, changes)] = audit_rows(riverton, "settings.general")
    assert actor == riverton.clerk
    assert changes == {"landing_message": ["", "New words."], "allow_guest_payments": [True, False],
                       "enabled_modules": [["utility_billing", "other_payments"], ["other_payments"]]}


def test_saving_without_a_change_records_nothing(riverton, clerk):
    response = clerk.post(GENERAL, form_data(riverton), follow=True)
    assert "The general settings were saved." in text(response)
    assert audit_rows(riverton, "settings.general") == []


def test_line_breaks_as_a_browser_sends_them_are_no_change(riverton, clerk):
    PortalSettings.objects.filter(tenant=riverton.tenant).update(office_address="100 Main Street\nDemo, ID 83000")
    PaymentSettings.objects.filter(tenant=riverton.tenant).update(other_payments_message="Line one\nLine two")
    browser_sent = form_data(riverton, landing_message="Welcome.\r\nPay online.")
    browser_sent["office_address"] = "100 Main Street\r\nDemo, ID 83000"
    browser_sent["other_payments_message"] = "Line one\r\nLine two"
    clerk.post(GENERAL, browser_sent)
    assert audit_rows(riverton, "settings.general") == [(riverton.clerk, "", {
        "landing_message": ["", "Welcome.\nPay online."]})]
    assert stored(riverton)["office_address"] == "100 Main Street\nDemo, ID 83000"
    assert stored(riverton)["pay.other_payments_message"] == "Line one\nLine two"


def test_the_departments_menu_says_departments_by_default_and_lists_the_citys_services(riverton, client_for):
    body = text(client_for(riverton.resident, riverton.tenant).get("/"))
    menu = body.split('<li class="departments">')[1].split("</details>")[0]
    assert "<summary>Departments</summary>" in menu
    assert 'href="/utility/">Utility Billing</a>' in menu and ">Other Payments</a>" in menu


def test_a_script_typed_into_a_message_is_refused_and_nothing_is_saved(riverton, clerk):
    before = stored(riverton)
    response = clerk.post(GENERAL, form_data(riverton, landing_message='Hi <script>alert("x")</script>'))
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved." in body and "Messages are plain text: remove the HTML tag" in body
    assert 'id="id_landing_message_error"' in body and 'aria-invalid="true"' in body
    assert stored(riverton) == before and not AuditEntry.objects.exists()


def test_a_message_already_holding_markup_shows_as_text(riverton, anon_client, client_for):
    s = riverton.tenant.portal_settings
    s.login_top_message = s.login_bottom_message = s.landing_message = '<script>alert("x")</script><b>bold</b>'
    s.save()
    for body in (anon_client(riverton.tenant).get("/").content.decode(),
                 client_for(riverton.resident, riverton.tenant).get("/").content.decode()):
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in body
        assert "<b>bold</b>" not in body and '<script>alert("x")' not in body


@pytest.mark.parametrize("field", ["login_top_message", "login_bottom_message", "landing_message",
                                   "other_payments_message"])
def test_a_message_over_2000_characters_is_refused(riverton, clerk, field):
    before = stored(riverton)
    response = clerk.post(GENERAL, form_data(riverton, **{field: "x" * 2001}))
    assert response.status_code == 400
    assert "This message is 2,001 characters long; a message can be at most 2,000." in text(response)
    assert stored(riverton) == before and not AuditEntry.objects.exists()


def test_a_message_of_2000_characters_and_a_less_than_sign_are_fine(riverton, clerk):
    message = ("Pay in < 5 days. " * 200)[:2000]
    assert clerk.post(GENERAL, form_data(riverton, landing_message=message)).status_code == 302
    assert stored(riverton)["landing_message"] == message.strip()


@pytest.mark.parametrize("message", ["Rates: a < b and b > c", "Use <= 5 gallons, 3 > 2", "Smile <3", "1 <- 2"])
def test_a_less_than_sign_not_followed_at_once_by_a_tag_name_is_text(riverton, clerk, message):
    assert clerk.post(GENERAL, form_data(riverton, landing_message=message)).status_code == 302
    assert stored(riverton)["landing_message"] == message


@pytest.mark.parametrize("message, tag", [
    ("Hi <script>alert(1)</script>", "<script"), ("Rates: a<b and b>c", "<b"), ("Done</p>", "</p"),
    ("Hidden <!-- note -->", "<!--"), ("<?xml version='1.0'?>", "<?xml"), ("<!DOCTYPE html>", "<!DOCTYPE"),
])
def test_what_a_browser_reads_as_a_tag_is_refused_and_named(riverton, clerk, message, tag):
    before = stored(riverton)
    response = clerk.post(GENERAL, form_data(riverton, landing_message=message))
    assert response.status_code == 400
    assert f"Messages are plain text: remove the HTML tag that starts with “{tag}" in text(response)
    assert stored(riverton) == before


@pytest.mark.parametrize("field, value, message", [
    ("office_phone", "call us", "Enter a phone number such as (555) 010-0100"),
    ("office_email", "not-an-email", "Enter an email address such as office@example.org."),
    ("office_address", "<a href=x>1 Main</a>", "Enter the address as plain text of at most 300 characters."),
    ("office_address", "y" * 301, "Enter the address as plain text of at most 300 characters."),
    ("departments_label", "z" * 61, "Use one line of at most 60 characters."),
    ("enabled_modules", ["utility_billing", "custom_forms"], "Select a valid choice. custom_forms is not one"),
])
def test_bad_values_are_refused_on_their_field_and_nothing_is_saved(riverton, clerk, field, value, message):
    before = stored(riverton)
    response = clerk.post(GENERAL, form_data(riverton, landing_message="Changed too", **{field: value}))
    assert response.status_code == 400
    body = text(response)
    assert message in body and f'id="id_{field}_error"' in body
    assert stored(riverton) == before and not AuditEntry.objects.exists()


def test_only_built_modules_are_offered_and_an_unbuilt_one_stays_on(riverton, clerk):
    riverton.tenant.enabled_modules = ["utility_billing", "custom_forms"]  # a module this portal has not built
    riverton.tenant.save()
    body = text(clerk.get(GENERAL))
    assert "custom_forms" not in body
    clerk.post(GENERAL, form_data(riverton, enabled_modules=["other_payments"]))
    assert Tenant.objects.get(pk=riverton.tenant.pk).enabled_modules == ["other_payments", "custom_forms"]


def test_the_footer_shows_the_offices_contact_details_on_every_page(riverton, clerk, anon_client):
    clerk.post(GENERAL, form_data(riverton, office_phone="(555) 010-0199", office_email="utility@riverton.example",
                                  office_address="1 Main St"))
    for path in ("/", "/accounts/login/", "/no-such-page/"):
        footer = text(anon_client(riverton.tenant).get(path)).split('<footer class="site-footer">')[1]
        assert 'href="tel:5550100199"' in footer and "utility@riverton.example" in footer and "1 Main St" in footer


@pytest.mark.parametrize("typed, dialled", [("(555) 010-0199 ext. 12", "tel:5550100199,12"),
                                            ("+1 555.010.0199 x7", "tel:+15550100199,7"),
                                            ("555-010-0199 Ext 305", "tel:5550100199,305")])
def test_a_phone_with_an_extension_dials_the_number_then_the_extension(riverton, clerk, anon_client, typed, dialled):
    clerk.post(GENERAL, form_data(riverton, office_phone=typed))
    footer = text(anon_client(riverton.tenant).get("/")).split('<footer class="site-footer">')[1]
    assert f'href="{dialled}">{typed}</a>' in footer


def test_another_citys_settings_are_untouched(riverton, lakeside, clerk):
    before = stored(lakeside)
    clerk.post(GENERAL, form_data(riverton, landing_message="Riverton only", allow_guest_payments=False))
    assert stored(lakeside) == before
    assert AuditEntry.objects.get(action="settings.general").tenant == riverton.tenant


@pytest.mark.parametrize("method", ["get", "post"])
def test_residents_and_another_citys_clerk_get_404(riverton, lakeside, larry, client_for, method):
    for person in (riverton.resident, larry, lakeside.clerk):
        client = client_for(person, riverton.tenant)
        assert getattr(client, method)(GENERAL, {"landing_message": "x"} if method == "post" else None).status_code \
            == 404
    assert client_for(lakeside.clerk, lakeside.tenant).get(GENERAL).status_code == 200  # his own city's page
    assert PortalSettings.objects.get(tenant=riverton.tenant).landing_message == ""


def test_the_admin_menu_has_general_and_theming(riverton, clerk):
    body = clerk.get(GENERAL).content.decode()
    assert 'href="/office/settings/general/" aria-current="page">General<' in body
    assert 'href="/office/settings/theme/">Theming<' in body


def test_the_domain_takes_the_utility_home_message_by_the_same_rules(riverton):
    from portal import portal_settings

    saved = portal_settings.update_portal_settings(tenant=riverton.tenant, acting_user=riverton.clerk,
                                                   changes={"utility_home_message": "Meters read on the 20th."})
    assert saved.utility_home_message == "Meters read on the 20th."
    with pytest.raises(portal_settings.PortalSettingsRefused, match="Messages are plain text") as refused:
        portal_settings.update_portal_settings(tenant=riverton.tenant, acting_user=riverton.clerk,
                                               changes={"utility_home_message": "<script>x</script>"})
    assert refused.value.field == "utility_home_message"
    with pytest.raises(ValueError, match="not portal settings"):
        portal_settings.update_portal_settings(tenant=riverton.tenant, acting_user=riverton.clerk,
                                               changes={"tenant_id": 2})
    assert current_home_message(riverton) == "Meters read on the 20th."


def current_home_message(city) -> str:
    return PortalSettings.objects.get(tenant=city.tenant).utility_home_message
