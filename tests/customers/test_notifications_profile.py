"""My profile's Notifications page: email and text choices per category, the phone for texts."""

from __future__ import annotations

import html
import re

from django.core import mail

from customers.models import NotificationChoice, TextConsent, User
from customers.notifications import opted_out, text_recipients

URL = "/profile/notifications/"
ALL_ON = {"email_bills": "on", "email_reminders": "on", "email_autopay": "on", "email_newsletters": "on"}


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def off(city, address: str, channel: str = "email") -> set[str]:
    return {c for c in ("bills", "reminders", "autopay", "newsletters")
            if opted_out(tenant=city.tenant, addresses=[address], category=c, channel=channel)}


def test_it_shows_every_category_checked_and_receipts_always_on(riverton, client_for):
    response = client_for(riverton.resident, riverton.tenant).get(URL)
    assert response.status_code == 200
    page, raw = text(response), response.content.decode()
    for label in ("Bill ready and Email Bills", "Payment reminders and late notices", "AutoPay notices",
                  "Newsletters and mass email"):
        assert f"<legend>{label}</legend>" in raw
    assert "Receipts and security" in page and "cannot be turned off" in page
    assert raw.count('type="checkbox"') == 5  # four by email, and "Send me text messages"
    assert raw.count("checked") == 4
    assert "By text message" not in page  # no phone and no yes to texts yet


def test_the_profile_page_points_to_it(riverton, client_for):
    response = client_for(riverton.resident, riverton.tenant).get("/profile/")
    assert f'href="{URL}"' in response.content.decode()


def test_turning_newsletters_off_keeps_the_rest(riverton, lakeside, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    data = {**ALL_ON, "phone": ""}
    del data["email_newsletters"]
    response = client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    assert "Your notification choices were saved." in text(client.get(URL))
    assert off(riverton, "rosa@example.org") == {"newsletters"}
    assert off(lakeside, "rosa@example.org") == set()
    row = NotificationChoice.objects.get(category="newsletters")
    assert (row.changed_by, row.source) == (riverton.resident, "profile")
    raw = client.get(URL).content.decode()
    assert 'name="email_newsletters"' in raw and raw.count("checked") == 3


def test_a_phone_and_yes_to_texts_then_offers_text_choices(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.post(URL, {**ALL_ON, "phone": "(303) 555-0199", "texts": "on"}).status_code == 302
    rosa = User.objects.get(pk=riverton.resident.pk)
    assert rosa.phone == "+13035550199"
    assert TextConsent.objects.filter(tenant=riverton.tenant, user=rosa).exists()
    assert text_recipients(tenant=riverton.tenant, users=[rosa], category="bills") == [(rosa, "+13035550199")]
    response = client.get(URL)
    assert text(response).count("By text message") == 4
    assert 'value="(303) 555-0199"' in response.content.decode()  # as people write it
    # Reminders by email only.
    data = {**ALL_ON, "phone": "+13035550199", "texts": "on", "text_bills": "on", "text_autopay": "on",
            "text_newsletters": "on"}
    assert client.post(URL, data).status_code == 302
    assert off(riverton, "+13035550199", "text") == {"reminders"} and off(riverton, "rosa@example.org") == set()
    assert text_recipients(tenant=riverton.tenant, users=[rosa], category="reminders") == []
    assert text_recipients(tenant=riverton.tenant, users=[rosa], category="bills") == [(rosa, "+13035550199")]


def test_saying_no_to_texts_stops_every_text(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    client.post(URL, {**ALL_ON, "phone": "3035550199", "texts": "on"})
    client.post(URL, {**ALL_ON, "phone": "3035550199"})
    rosa = User.objects.get(pk=riverton.resident.pk)
    assert rosa.phone == "+13035550199" and not TextConsent.objects.exists()
    assert text_recipients(tenant=riverton.tenant, users=[rosa], category="bills") == []


def test_a_bad_phone_is_refused_clearly_and_nothing_is_saved(riverton, client_for):
    riverton.resident.phone = "+13035550100"
    riverton.resident.save()
    client = client_for(riverton.resident, riverton.tenant)
    data = {**ALL_ON, "phone": "555", "texts": "on"}
    del data["email_bills"]
    response = client.post(URL, data)
    assert response.status_code == 200
    page = text(response)
    assert "Nothing was saved" in page
    assert "This is not a valid phone number. Check the digits and area code." in page
    assert 'aria-invalid="true"' in response.content.decode()
    assert 'value="555"' in response.content.decode()  # what was typed stays to be corrected
    assert User.objects.get(pk=riverton.resident.pk).phone == "+13035550100"
    assert not NotificationChoice.objects.exists() and not TextConsent.objects.exists()


def test_yes_to_texts_without_a_phone_asks_for_one(riverton, client_for):
    response = client_for(riverton.resident, riverton.tenant).post(URL, {**ALL_ON, "phone": "", "texts": "on"})
    assert response.status_code == 200
    assert "Enter your mobile phone number to get text messages" in text(response)
    assert not TextConsent.objects.exists()


def test_a_new_phone_gets_the_text_choices_ticked_with_it(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    client.post(URL, {**ALL_ON, "phone": "3035550199", "texts": "on"})
    client.post(URL, {**ALL_ON, "phone": "3035550199", "texts": "on", "text_bills": "on"})
    client.post(URL, {**ALL_ON, "phone": "3035550142", "texts": "on", "text_bills": "on", "text_reminders": "on",
                      "text_autopay": "on"})
    assert off(riverton, "+13035550142", "text") == {"newsletters"}  # as ticked on the page just sent


def test_choices_follow_a_changed_email(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    data = {**ALL_ON, "phone": ""}
    del data["email_reminders"]
    client.post(URL, data)
    client.post("/accounts/email/", {"action_add": "", "email": "rosa.new@example.org"})
    [message] = [m for m in mail.outbox if m.to == ["rosa.new@example.org"]]
    client.post(re.search(r"http://riverton\.localhost(/accounts/confirm-email/\S+/)", message.body).group(1))
    assert User.objects.get(pk=riverton.resident.pk).email == "rosa.new@example.org"
    assert off(riverton, "rosa.new@example.org") == {"reminders"}
    assert off(riverton, "rosa@example.org") == {"reminders"}  # the old address keeps its own (Caselle may still have it)
    assert client.get(URL).content.decode().count("checked") == 3


def test_it_needs_a_sign_in(riverton, anon_client):
    response = anon_client(riverton.tenant).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_each_city_keeps_its_own_choices(riverton, lakeside, client_for):
    """Lena at Lakeside turns bills off there; Rosa's choices at Riverton are not Lena's to see or change."""
    lena = client_for(lakeside.resident, lakeside.tenant)
    data = {**ALL_ON, "phone": ""}
    del data["email_bills"]
    lena.post(URL, data)
    assert off(lakeside, "lena@example.org") == {"bills"} and off(riverton, "lena@example.org") == set()


def test_a_phone_changed_keeps_its_text_choices(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    client.post(URL, {**ALL_ON, "phone": "3035550199", "texts": "on"})
    client.post(URL, {**ALL_ON, "phone": "3035550199", "texts": "on", "text_bills": "on", "text_reminders": "on",
                      "text_autopay": "on"})
    assert client.post(URL, {**ALL_ON, "phone": "(303) 555-0142", "texts": "on", "text_bills": "on",
                             "text_reminders": "on", "text_autopay": "on"}).status_code == 302
    assert off(riverton, "+13035550142", "text") == {"newsletters"}
    rosa = User.objects.get(pk=riverton.resident.pk)
    assert [u for u, _ in text_recipients(tenant=riverton.tenant, users=[rosa], category="bills")] == [rosa]
