"""Office admins have a second step at sign-in (an authenticator app, allauth.mfa): no office screen opens
without it, every later sign-in asks for its code (password or Google alike), recovery codes stand in for
a lost phone. Residents are not affected."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ..conftest import host_of, make_office_admin
from .audit_helpers import audit_rows
from ..customers.test_social import google  # noqa: F401  (the local stand-in for Google's token endpoint)
from ..factories import PASSWORD, TOTP_SECRET, UserFactory, give_totp, recovery_codes, totp_code
from ..test_cross_tenant import NAMED, OBJECT_URLS
from .test_admin_access import URLS

SETUP = "/accounts/2fa/totp/activate/"
CODE_STEP = "/accounts/2fa/authenticate/"
REAUTH = "/accounts/reauthenticate/"
WHY = "Office screens need a second step at sign-in: set up an authenticator app."


def sign_in(client, user):
    """Email and password on the sign-in page; returns the answer (a redirect)."""
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def signed_in_as(client):
    return client.get("/").context["user"]


@pytest.fixture
def newbie(riverton):
    """An office admin of Riverton who has not set up an authenticator app yet."""
    return make_office_admin(riverton.tenant, UserFactory(email="nora@riverton.example", first_name="Nora"), mfa=False)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_admin_without_an_authenticator_app_opens_no_office_screen(riverton, newbie, client_for, url, method):
    response = getattr(client_for(newbie, riverton.tenant), method)(url)
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == SETUP
    # Back to the page asked for afterwards; a form posted is not replayed, the Overview opens instead.
    assert parse_qs(target.query)["next"] == [url if method == "get" else "/office/"]


OBJECT_SCREENS = sorted(name for name in {**OBJECT_URLS, **NAMED} if name.startswith("adminpanel:")
                        and name != "adminpanel:staff_accept")  # the invited person's page, not an office screen


@pytest.mark.parametrize("name", OBJECT_SCREENS)
def test_an_object_screen_sends_them_to_set_up_too(riverton, newbie, client_for, name):
    maker, _method = {**OBJECT_URLS, **NAMED}[name]
    url = reverse(name, kwargs=maker(riverton), urlconf="portal.urls")
    client = client_for(newbie, riverton.tenant)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302 and response["Location"].startswith(SETUP), url


def test_residents_are_not_affected(riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get("/").status_code == 200
    assert client.get("/profile/").status_code == 200
    assert client.get("/office/").status_code == 404


def test_set_up_from_the_office_then_the_office_opens_in_the_same_session(riverton, newbie,
                                                                         django_capture_on_commit_callbacks):
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(client, newbie)
    sent = client.get("/office/payments/")
    # Just signed in: straight to setting the app up, without typing the password a second time.
    setup = client.get(sent["Location"])
    page = setup.content.decode()
    assert setup.status_code == 200 and WHY in page
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page).group(1)
    assert "issuer=City of Riverton (Community Connect)" in unquote(setup.context["totp_url"])  # the app shows it

    wrong = client.post(SETUP, {"code": "000000" if totp_now(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert not Authenticator.objects.filter(user=newbie).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SETUP, {"code": totp_now(secret)})
    assert done.status_code == 302 and done["Location"] == "/accounts/2fa/recovery-codes/"
    codes_page = client.get(done["Location"]).content.decode()
    codes = recovery_codes(newbie)
    assert len(codes) == 10 and all(code in codes_page for code in codes)
    assert 'href="/office/payments/"' in codes_page and "continue to the office screens" in codes_page

    assert client.get("/office/payments/").status_code == 200
    assert client.get("/office/").status_code == 200
    assert audit_rows(riverton, "mfa.added") == [(newbie, newbie.email, {})] * 2  # the app, then its recovery codes


def totp_now(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_blank_or_malformed_code_is_refused_on_its_field_and_nothing_is_stored(riverton, newbie):
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(client, newbie)
    client.post(f"{REAUTH}?next={SETUP}", {"password": PASSWORD})
    assert client.get(SETUP).status_code == 200
    for code in ("", "12345", "abcdef", "1234567"):
        response = client.post(SETUP, {"code": code})
        body = response.content.decode()
        assert response.status_code == 200 and 'id="id_code_error"' in body, code
    assert not Authenticator.objects.filter(user=newbie).exists()


def test_a_session_that_set_the_app_up_elsewhere_is_let_in(riverton, newbie, client_for):
    client = client_for(newbie, riverton.tenant)
    assert client.get("/office/").status_code == 302
    give_totp(newbie)  # set up in another tab or on another device
    assert client.get("/office/").status_code == 200


def test_the_secret_is_stored_encrypted(riverton):
    totp = Authenticator.objects.get(user=riverton.clerk, type=Authenticator.Type.TOTP)
    assert TOTP_SECRET not in str(Authenticator.objects.filter(pk=totp.pk).values_list("data", flat=True)[0])
    assert totp.data["secret"].startswith("gAAAAA")


def test_a_sign_in_older_than_a_few_minutes_confirms_the_password_before_the_set_up(riverton, newbie):
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(client, newbie)
    with time_machine.travel(time.time() + 301):
        sent = client.get("/office/payments/")
        confirm = client.get(sent["Location"], follow=True)
        assert confirm.redirect_chain[-1][0].startswith(REAUTH) and WHY in confirm.content.decode()
        wrong_password = client.post(confirm.redirect_chain[-1][0], {"password": "not-it"})
        assert wrong_password.status_code == 200 and 'id="id_password_error"' in wrong_password.content.decode()
        back = client.post(confirm.redirect_chain[-1][0], {"password": PASSWORD})
        assert back.status_code == 302 and back["Location"] == sent["Location"]
        assert WHY in client.get(back["Location"]).content.decode()


def test_sign_in_asks_for_the_code_and_refuses_a_wrong_one(riverton):
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    response = sign_in(client, riverton.clerk)
    assert response.status_code == 302 and response["Location"] == CODE_STEP
    assert not signed_in_as(client).is_authenticated
    assert client.get("/office/").status_code == 302  # to sign in: not signed in yet

    wrong = client.post(CODE_STEP, {"code": "123456" if totp_code(riverton.clerk) != "123456" else "654321"})
    assert wrong.status_code == 200 and "Incorrect code." in wrong.content.decode()
    assert not signed_in_as(client).is_authenticated

    right = client.post(CODE_STEP, {"code": totp_code(riverton.clerk)})
    assert right.status_code == 302
    assert signed_in_as(client) == riverton.clerk
    assert client.get("/office/").status_code == 200


def test_a_code_counts_once(riverton):
    code = totp_code(riverton.clerk)
    first = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(first, riverton.clerk)
    assert first.post(CODE_STEP, {"code": code}).status_code == 302
    again = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(again, riverton.clerk)
    assert "Incorrect code." in again.post(CODE_STEP, {"code": code}).content.decode()
    assert not signed_in_as(again).is_authenticated


def test_a_recovery_code_signs_in_once(riverton):
    code = recovery_codes(riverton.clerk)[0]
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(client, riverton.clerk)
    assert client.post(CODE_STEP, {"code": code}).status_code == 302
    assert client.get("/office/").status_code == 200
    assert code not in recovery_codes(riverton.clerk)
    assert audit_rows(riverton, "mfa.recovery_code_used") == [(riverton.clerk, riverton.clerk.email, {})]

    again = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(again, riverton.clerk)
    assert "Incorrect code." in again.post(CODE_STEP, {"code": code}).content.decode()


def test_a_resident_without_the_app_signs_in_with_the_password_alone(riverton):
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    assert sign_in(client, riverton.resident)["Location"] != CODE_STEP
    assert signed_in_as(client) == riverton.resident


def test_an_office_admin_cannot_turn_the_app_off(riverton):
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    sign_in(client, riverton.clerk)
    client.post(CODE_STEP, {"code": totp_code(riverton.clerk)})
    client.post(REAUTH, {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/deactivate/").content.decode()
    assert "Office admins cannot turn off the authenticator app" in page
    client.post("/accounts/2fa/totp/deactivate/")
    assert Authenticator.objects.filter(user=riverton.clerk, type=Authenticator.Type.TOTP).exists()
    assert client.get("/office/").status_code == 200


def test_a_deleted_authenticator_closes_the_office_at_once(riverton, client_for):
    client = client_for(riverton.clerk, riverton.tenant)
    assert client.get("/office/").status_code == 200
    Authenticator.objects.filter(user=riverton.clerk, type=Authenticator.Type.TOTP).delete()  # an operator did it
    assert client.get("/office/").status_code == 302


def test_the_check_costs_no_query_once_known(riverton, client_for, django_assert_num_queries):
    from portal.access import has_authenticator_app

    cache.clear()
    with django_assert_num_queries(1):
        assert has_authenticator_app(riverton.clerk)
    with django_assert_num_queries(0):
        assert has_authenticator_app(riverton.clerk)


def google_sign_in(client):
    start = client.post("/accounts/google/login/")
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    return client.get("/accounts/google/login/callback/", {"state": state, "code": "4/local-code"})


def test_google_sign_in_of_an_admin_asks_for_the_code_too(riverton, google):  # noqa: F811
    gina = make_office_admin(riverton.tenant, UserFactory(email="gina@gmail.example"))
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    done = google_sign_in(client)
    assert done.status_code == 302 and done["Location"] == CODE_STEP
    assert not signed_in_as(client).is_authenticated
    assert client.post(CODE_STEP, {"code": totp_code(gina)}).status_code == 302
    assert signed_in_as(client) == gina
    assert client.get("/office/").status_code == 200


def test_google_sign_in_of_an_admin_without_the_app_still_sends_them_to_set_it_up(riverton, google):  # noqa: F811
    gina = make_office_admin(riverton.tenant, UserFactory(email="gina@gmail.example"), mfa=False)
    client = Client(HTTP_HOST=host_of(riverton.tenant))
    assert google_sign_in(client).status_code == 302
    assert signed_in_as(client) == gina
    response = client.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
