"""Re-authentication (adminpanel.reauth): changing the payment provider, its keys or the COWS connection asks an
office admin to confirm who they are first, with allauth's reauthenticate flow, for a few minutes at a time."""

from __future__ import annotations

import time

import pytest
import time_machine

from billing.payments.models import PaymentSettings

from ..factories import PASSWORD

PROVIDERS = "/office/settings/providers/"
CONNECTION = "/office/settings/cows/connection/"
CONFIRM = "/accounts/reauthenticate/"
GUARDED = [PROVIDERS, CONNECTION]


def confirm_it_is_me(client, password: str = PASSWORD, *, next: str = ""):
    """The person confirms their password on allauth's reauthenticate page, as the page's form sends it."""
    return client.post(CONFIRM, {"password": password, **({"next": next} if next else {})})


def confirmed(client):
    """A client whose person has just confirmed who they are (for tests of pages behind re-authentication)."""
    response = confirm_it_is_me(client)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def stripe_form(**changes) -> dict:
    return {"provider": "stripe", "stripe_publishable_key": "pk_test_abc", "stripe_secret_key": "sk_test_SECRET77",
            "stripe_webhook_secret": "whsec_HOOK88", **changes}


@pytest.mark.parametrize("url", GUARDED)
def test_an_admin_who_has_not_confirmed_lately_is_sent_to_confirm_and_back(riverton, client_for, url):
    clerk = client_for(riverton.clerk, riverton.tenant)
    response = clerk.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{CONFIRM}?next={url.replace('/', '%2F')}"
    page = clerk.get(response["Location"])
    assert page.status_code == 200 and 'name="password"' in page.content.decode()

    assert f'name="next" value="{url}"' in page.content.decode()
    back = confirm_it_is_me(clerk, next=url)
    assert back.status_code == 302 and back["Location"] == url
    assert clerk.get(url).status_code == 200


@pytest.mark.parametrize("url", GUARDED)
def test_a_wrong_password_does_not_open_the_page(riverton, client_for, url):
    clerk = client_for(riverton.clerk, riverton.tenant)
    refused = confirm_it_is_me(clerk, "not-my-password")
    assert refused.status_code == 200 and "password" in refused.content.decode().lower()
    assert clerk.get(url).status_code == 302


@pytest.mark.parametrize("url", GUARDED)
def test_residents_and_another_citys_clerk_get_404_not_the_confirmation(riverton, lakeside, larry, client_for, url):
    for person, city in ((riverton.resident, riverton), (larry, riverton), (lakeside.clerk, riverton)):
        client = client_for(person, city.tenant)
        assert client.get(url).status_code == 404
        assert client.post(url, stripe_form()).status_code == 404
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "sandbox"


@pytest.mark.parametrize("url", GUARDED)
def test_anonymous_is_sent_to_sign_in(riverton, anon_client, url):
    response = anon_client(riverton.tenant).get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_confirmation_older_than_the_timeout_is_asked_again_and_a_post_then_saves_nothing(riverton, client_for,
                                                                                             settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    clerk = confirmed(client_for(riverton.clerk, riverton.tenant))
    assert clerk.get(PROVIDERS).status_code == 200

    with time_machine.travel(time.time() + 301, tick=False):
        assert clerk.get(PROVIDERS)["Location"].startswith(CONFIRM)
        response = clerk.post(PROVIDERS, stripe_form())
        assert response.status_code == 302 and response["Location"] == f"{CONFIRM}?next=%2Foffice%2Fsettings%2Fproviders%2F"
        assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "sandbox"
        # The form (a secret key among it) is not kept in the session to be replayed after the confirmation.
        session = clerk.session
        assert "account_reauthentication_state" not in session
        assert "SECRET77" not in str(dict(session.items()))
        page = clerk.get(response["Location"]).content.decode()
        assert "Nothing was saved: for your security, confirm it is you, then make the change again." in page

        assert confirm_it_is_me(clerk, next=PROVIDERS)["Location"] == PROVIDERS
        saved = clerk.post(PROVIDERS, stripe_form())
    assert saved.status_code == 302 and saved["Location"] == PROVIDERS
    assert PaymentSettings.objects.get(tenant=riverton.tenant).provider == "stripe"


def test_within_the_timeout_the_page_opens_without_asking_again(riverton, client_for, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    clerk = confirmed(client_for(riverton.clerk, riverton.tenant))
    with time_machine.travel(time.time() + 290, tick=False):
        assert clerk.get(PROVIDERS).status_code == 200
        assert clerk.get(CONNECTION).status_code == 200



def test_a_sign_in_with_the_code_a_moment_ago_counts_as_confirming_and_later_does_not(riverton):
    from django.test import Client

    from ..conftest import host_of
    from ..factories import totp_code

    clerk = Client(HTTP_HOST=host_of(riverton.tenant))
    clerk.post("/accounts/login/", {"login": riverton.clerk.email, "password": PASSWORD})
    assert clerk.post("/accounts/2fa/authenticate/", {"code": totp_code(riverton.clerk)}).status_code == 302
    assert clerk.get(PROVIDERS).status_code == 200  # password and code typed a moment ago: not asked again
    with time_machine.travel(time.time() + 301, tick=False):
        later = clerk.get(PROVIDERS)
        assert later.status_code == 302 and later["Location"].startswith(CONFIRM)
