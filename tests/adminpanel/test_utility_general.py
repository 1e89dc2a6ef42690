"""Home Screen Message (Utility Admin - General): the office's words at the top of Utility Billing home."""

from io import StringIO

import pytest

from adminpanel.models import AuditEntry
from portal.models import PortalSettings

URL = "/office/utility/general/"


def saved(city) -> str:
    return PortalSettings.objects.get(tenant=city.tenant).utility_home_message


def home(client) -> str:
    """Utility Billing home as the customer sees it."""
    response = client.get("/utility/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def test_the_message_is_shown_on_every_customers_utility_billing_home_with_its_line_breaks(riverton, larry, clerk,
                                                                                           client_for):
    message = "New: the 2026 water rates are under Communications.\r\n\r\nGo paperless & save a stamp!"
    response = clerk.post(URL, {"utility_home_message": message}, follow=True)
    assert "The Home Screen Message was saved." in response.content.decode()
    assert saved(riverton) == "New: the 2026 water rates are under Communications.\n\nGo paperless & save a stamp!"
    for person in (riverton.resident, larry):
        shown = home(client_for(person, riverton.tenant))
        assert ("<p>New: the 2026 water rates are under Communications.</p>\n\n<p>Go paperless &amp; save a stamp!</p>"
                in shown)
        assert shown.index("Go paperless") < shown.index("Link Utility Account")


def test_the_change_is_logged_with_before_and_after(riverton, clerk):
    clerk.post(URL, {"utility_home_message": "Rates changed."})
    clerk.post(URL, {"utility_home_message": "Rates changed in May."})
    entries = (AuditEntry.objects.filter(tenant=riverton.tenant, action="settings.utility_home_message")
               .order_by("at", "id"))
    assert [e.changes for e in entries] == [{"utility_home_message": ["", "Rates changed."]},
                                            {"utility_home_message": ["Rates changed.", "Rates changed in May."]}]
    assert entries[1].actor == riverton.clerk and entries[1].summary == "Changed the Home Screen Message"


def test_saving_the_same_message_again_logs_nothing(riverton, clerk):
    clerk.post(URL, {"utility_home_message": "Rates changed."})
    clerk.post(URL, {"utility_home_message": "Rates changed.  "})
    assert AuditEntry.objects.filter(tenant=riverton.tenant).count() == 1


def test_an_empty_message_removes_it_from_the_home_screen(riverton, clerk, client_for):
    clerk.post(URL, {"utility_home_message": "Office closed Friday."})
    response = clerk.post(URL, {"utility_home_message": "  "}, follow=True)
    assert "The Home Screen Message was removed." in response.content.decode()
    assert saved(riverton) == ""
    shown = home(client_for(riverton.resident, riverton.tenant))
    assert "Office closed Friday." not in shown and "home-message" not in shown


def test_the_form_shows_the_saved_message_and_a_preview(riverton, clerk):
    clerk.post(URL, {"utility_home_message": "Line one\nLine two"})
    body = clerk.get(URL).content.decode()
    assert "Line one\nLine two</textarea>" in body
    assert "<p>Line one<br>Line two</p>" in body


@pytest.mark.parametrize("message, error", [
    ("x" * 2001, "This message is 2,001 characters long; a message can be at most 2,000."),
    ("<script>alert(1)</script>Pay now", "Messages are plain text: remove the HTML tag"),
    ('Read <a href="https://evil.example">this</a>', "Messages are plain text: remove the HTML tag"),
])
def test_bad_messages_are_refused_on_the_field_and_nothing_is_saved(riverton, clerk, client_for, message, error):
    clerk.post(URL, {"utility_home_message": "Office closed Friday."})
    response = clerk.post(URL, {"utility_home_message": message})
    body = response.content.decode()
    assert response.status_code == 400 and "Nothing was saved." in body
    assert f'<div class="errors" id="id_utility_home_message_error"><p>{error}' in body
    assert 'aria-invalid="true"' in body
    assert saved(riverton) == "Office closed Friday."
    assert AuditEntry.objects.filter(tenant=riverton.tenant).count() == 1


def test_a_message_with_less_than_is_plain_text_and_shown_escaped(riverton, clerk, client_for):
    clerk.post(URL, {"utility_home_message": "Pay in < 5 days & save"})
    assert "Pay in &lt; 5 days &amp; save" in home(client_for(riverton.resident, riverton.tenant))


def test_each_city_has_its_own_message(riverton, lakeside, clerk, client_for):
    clerk.post(URL, {"utility_home_message": "Riverton news"})
    assert "Riverton news" not in home(client_for(lakeside.resident, lakeside.tenant))
    assert saved(lakeside) == ""


@pytest.mark.parametrize("method", ["get", "post"])
def test_residents_and_another_citys_clerk_get_404_and_change_nothing(riverton, lakeside, larry, client_for, method):
    for user in (riverton.resident, larry, lakeside.clerk):
        client = client_for(user, riverton.tenant)
        response = client.get(URL) if method == "get" else client.post(URL, {"utility_home_message": "Hacked"})
        assert response.status_code == 404
    assert saved(riverton) == ""


def test_anonymous_is_sent_to_sign_in(riverton, anon_client):
    response = anon_client(riverton.tenant).post(URL, {"utility_home_message": "Hacked"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert saved(riverton) == ""


def test_the_menu_leads_to_it(clerk):
    assert f'href="{URL}">Home Screen Message<' in clerk.get("/office/").content.decode()


def test_the_demo_citys_home_message_points_to_its_current_newsletter(db):
    from django.core.management import call_command

    from communications.selectors import current_communications
    from portal.models import Tenant

    call_command("seed_demo", stdout=StringIO())
    demo = Tenant.objects.get(slug="demo")
    assert "Fall 2026 Newsletter is under Communications" in demo.portal_settings.utility_home_message
    assert current_communications(tenant=demo).first().description == "Fall 2026 Newsletter"
    demo.portal_settings.utility_home_message = "Our own words"
    demo.portal_settings.save()
    call_command("seed_demo", stdout=StringIO())
    assert PortalSettings.objects.get(tenant=demo).utility_home_message == "Our own words"
