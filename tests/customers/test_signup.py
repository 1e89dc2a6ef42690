import re

import pytest
from django.core import mail
from django.test import Client

from customers.models import Membership, User

GOOD = "Blue-Heron-Lake-42"


def signup(client, **overrides):
    data = {"email": "new@example.org", "password1": GOOD, "password2": GOOD, "phone": ""}
    data.update(overrides)
    return client.post("/accounts/signup/", data)


def confirmation_link(message) -> str:
    return re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)


@pytest.fixture
def riverton_client(riverton):
    return Client(HTTP_HOST="riverton.localhost")


def test_signup_page_shows_password_rules_before_the_first_try(riverton_client):
    body = riverton_client.get("/accounts/signup/").content.decode()
    assert "at least 10 characters" in body
    assert "can’t be a commonly used password" in body or "can't be a commonly used password" in body
    assert "entirely numeric" in body


def test_signup_makes_a_member_of_this_city_and_sends_a_verification_mail(riverton, riverton_client):
    response = signup(riverton_client, phone="(303) 555-0142")
    assert response.status_code == 302
    user = User.objects.get(email="new@example.org")
    assert user.phone == "+13035550142"
    assert Membership.objects.get(user=user).tenant == riverton.tenant
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.org"]
    assert "City of Riverton" in message.subject
    assert confirmation_link(message).startswith("http://riverton.localhost/")


def test_login_is_refused_until_the_email_is_verified(riverton, riverton_client):
    signup(riverton_client)
    client = Client(HTTP_HOST="riverton.localhost")
    response = client.post("/accounts/login/", {"login": "new@example.org", "password": GOOD})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert not client.get("/").context["user"].is_authenticated


def test_verification_link_logs_in_and_offers_onboarding(riverton, riverton_client):
    signup(riverton_client)
    link = confirmation_link(mail.outbox[0]).replace("http://riverton.localhost", "")
    page = riverton_client.get(link)
    assert page.status_code == 200
    response = riverton_client.post(link)
    assert response.status_code == 302
    assert response["Location"] == "/welcome/next/"
    body = riverton_client.get("/welcome/next/").content.decode()
    assert "Continue to the Homepage" in body


def test_reused_or_bad_verification_link_gets_a_clear_page(riverton, riverton_client):
    signup(riverton_client)
    link = confirmation_link(mail.outbox[0]).replace("http://riverton.localhost", "")
    riverton_client.post(link)
    again = Client(HTTP_HOST="riverton.localhost").get(link)
    assert again.status_code == 200
    bad = Client(HTTP_HOST="riverton.localhost").get("/accounts/confirm-email/not-a-real-key/")
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "expired or is invalid" in body
    assert User.objects.filter(email="new@example.org", emailaddress__verified=True).count() == 1


def test_expired_verification_link_is_refused(riverton, riverton_client, settings):
    signup(riverton_client)
    link = confirmation_link(mail.outbox[0]).replace("http://riverton.localhost", "")
    settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 0
    response = Client(HTTP_HOST="riverton.localhost").get(link)
    assert "expired or is invalid" in response.content.decode()
    Client(HTTP_HOST="riverton.localhost").post(link)
    assert not User.objects.get(email="new@example.org").emailaddress_set.get().verified


@pytest.mark.parametrize(
    "password, message",
    [
        ("short1!", "at least 10 characters"),
        ("password123", "too common"),
        ("73920184736", "entirely numeric"),
        ("new@example.org1", "too similar"),
    ],
)
def test_weak_password_is_refused_with_the_reason_and_nothing_is_created(riverton_client, password, message):
    response = signup(riverton_client, password1=password, password2=password)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()
    assert mail.outbox == []


def test_mismatched_passwords_are_refused(riverton_client):
    response = signup(riverton_client, password2=GOOD + "x")
    assert "same password each time" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_bad_phone_number_is_refused_and_nothing_is_created(riverton_client):
    response = signup(riverton_client, phone="12345")
    assert response.status_code == 200
    assert "not a valid phone number" in response.content.decode() or "Enter a phone number" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_second_signup_with_same_email_does_not_reveal_the_account(riverton, riverton_client):
    first = signup(riverton_client, email="rosa@example.org")
    assert first.status_code == 302  # same answer as a new signup: no enumeration
    assert User.objects.filter(email="rosa@example.org").count() == 1
    assert len(mail.outbox) == 1
    assert "already" in mail.outbox[0].body.lower()


def test_one_login_works_at_two_cities_with_a_membership_each(riverton, lakeside, password):
    client = Client(HTTP_HOST="lakeside.localhost")
    response = client.post("/accounts/login/", {"login": "rosa@example.org", "password": password})
    assert response.status_code == 302
    assert set(Membership.objects.filter(user=riverton.resident).values_list("tenant__slug", flat=True)) == {
        "riverton", "lakeside"}


def test_failed_logins_are_rate_limited(riverton, password):
    client = Client(HTTP_HOST="riverton.localhost")
    bodies = [client.post("/accounts/login/", {"login": "rosa@example.org", "password": "wrong-wrong-1"}).content.decode()
              for _ in range(6)]
    assert "Too many failed login attempts" not in bodies[0]
    assert "Too many failed login attempts" in bodies[-1]
    # Even the right password is refused while the limit holds.
    right = client.post("/accounts/login/", {"login": "rosa@example.org", "password": password})
    assert right.status_code == 200 and "Too many failed login attempts" in right.content.decode()


def test_signup_on_directory_host_is_not_possible(db):
    assert Client(HTTP_HOST="localhost").post("/accounts/signup/", {"email": "x@example.org"}).status_code == 404
