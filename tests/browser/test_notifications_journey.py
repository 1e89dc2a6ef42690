"""A resident chooses their notifications on My profile: newsletters off, a phone for texts, then texts by category;
and a newsletter's unsubscribe link asks before it stops anything."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from customers.models import TextConsent, User
from customers.notifications import Category, opted_out, text_recipients, unsubscribe_url

from .conftest import assert_accessible, city_url, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEWSLETTERS = "Newsletters and mass email"


def off(city, address: str, channel: str = "email") -> set[str]:
    return {c.value for c in Category if c != Category.TRANSACTIONAL
            and opted_out(tenant=city.tenant, addresses=[address], category=c, channel=channel)}


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_a_resident_turns_off_newsletters_and_sets_a_phone_for_texts(live_server, page, riverton, password,
                                                                    viewport):
    page.set_viewport_size(viewport)
    sign_in(page, live_server, riverton.resident, password)
    page.get_by_role("link", name="My profile").click()
    page.get_by_role("link", name="Choose your notifications").click()
    expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_text("cannot be turned off")).to_be_visible()
    assert_accessible(page)

    # A mistyped phone: a clear message, nothing saved, the newsletters box as she left it.
    page.get_by_role("group", name=NEWSLETTERS).get_by_label("By email").uncheck()
    page.get_by_label("Mobile phone for text messages").fill("555-01")
    page.get_by_label("Send me text messages from City of Riverton").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Nothing was saved. Please correct what is marked below.")).to_be_visible()
    expect(page.get_by_text("This is not a valid phone number. Check the digits and area code.")).to_be_visible()
    expect(page.get_by_role("group", name=NEWSLETTERS).get_by_label("By email")).not_to_be_checked()
    assert_accessible(page)
    assert off(riverton, "rosa@example.org") == set()

    page.get_by_label("Mobile phone for text messages").fill("(303) 555-0199")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification choices were saved.")).to_be_visible()
    assert off(riverton, "rosa@example.org") == {"newsletters"}
    rosa = User.objects.get(pk=riverton.resident.pk)
    assert rosa.phone == "+13035550199" and TextConsent.objects.filter(user=rosa).exists()

    # Now each category can be chosen by text too: no reminders by text.
    reminders = page.get_by_role("group", name="Payment reminders and late notices")
    expect(reminders.get_by_label("By text message")).to_be_checked()
    reminders.get_by_label("By text message").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification choices were saved.")).to_be_visible()
    expect(page.get_by_role("group", name="Payment reminders and late notices").get_by_label("By text message")
           ).not_to_be_checked()
    expect(page.get_by_role("group", name=NEWSLETTERS).get_by_label("By email")).not_to_be_checked()
    assert_accessible(page)
    assert off(riverton, "+13035550199", "text") == {"reminders"}
    assert text_recipients(tenant=riverton.tenant, users=[rosa], category="reminders") == []
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_a_newsletter_s_unsubscribe_link_asks_then_stops_newsletters_only(live_server, page, riverton):
    link = unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org", category=Category.NEWSLETTERS)
    page.goto(city_url(live_server, "riverton", urlsplit(link).path))
    expect(page.get_by_role("heading", name=f"Stop “{NEWSLETTERS}” emails from City of Riverton?")).to_be_visible()
    assert_accessible(page)
    assert off(riverton, "rosa@example.org") == set()
    page.get_by_role("button", name="Stop these emails").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert_accessible(page)
    assert off(riverton, "rosa@example.org") == {"newsletters"}
    page.get_by_role("link", name="Manage all your email and text choices on My profile").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
