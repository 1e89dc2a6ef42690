"""The one-click unsubscribe link (RFC 8058) every email that is not transactional carries."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from customers.models import NotificationChoice
from customers.notifications import Category, opted_out, unsubscribe_url

ONE_CLICK = "List-Unsubscribe=One-Click"
EVERY = [c.value for c in Category if c != Category.TRANSACTIONAL]


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def refused(city, address: str = "rosa@example.org") -> set[str]:
    return {c for c in EVERY if opted_out(tenant=city.tenant, addresses=[address], category=c)}


def path_of(url: str) -> str:
    return urlsplit(url).path


def mail_client(city) -> Client:
    """A mail provider's one-click POST: no cookie, no CSRF token, only the RFC's body."""
    return Client(HTTP_HOST=city.host, enforce_csrf_checks=True)


def one_click(client, url: str):
    return client.post(path_of(url), data=ONE_CLICK, content_type="application/x-www-form-urlencoded")


def test_the_link_is_on_the_city_s_own_host_and_names_neither_address_nor_category_in_clear(riverton, settings):
    settings.PUBLIC_PORT = 8000
    url = unsubscribe_url(tenant=riverton.tenant, address="Rosa@Example.org", category=Category.NEWSLETTERS)
    assert url.startswith("http://riverton.localhost:8000/unsubscribe/") and url.endswith("/")
    assert "rosa" not in url.lower() and "newsletters" not in url


def test_one_click_post_stops_that_category_only(riverton):
    url = unsubscribe_url(tenant=riverton.tenant, address="Rosa@Example.org", category=Category.NEWSLETTERS)
    response = one_click(mail_client(riverton), url)
    assert response.status_code == 200
    assert refused(riverton) == {"newsletters"}
    assert opted_out(tenant=riverton.tenant, addresses=["ROSA@example.org"], category="newsletters") == {
        "rosa@example.org"}
    assert opted_out(tenant=riverton.tenant, addresses=["rosa@example.org"], category="transactional") == set()
    row = NotificationChoice.objects.get()
    assert (row.source, row.changed_by, row.allowed) == ("unsubscribe", None, False)


def test_posting_twice_is_harmless(riverton):
    url = unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org", category=Category.REMINDERS)
    client = mail_client(riverton)
    assert one_click(client, url).status_code == 200 and one_click(client, url).status_code == 200
    assert refused(riverton) == {"reminders"} and NotificationChoice.objects.count() == 1


def test_get_asks_first_and_changes_nothing(riverton):
    url = unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org", category=Category.NEWSLETTERS)
    response = Client(HTTP_HOST=riverton.host).get(path_of(url))
    assert response.status_code == 200
    page = text(response)
    assert "Stop “Newsletters and mass email” emails from City of Riverton?" in page
    assert "rosa@example.org" in page and "Stop these emails" in page
    assert not NotificationChoice.objects.exists()


def test_the_page_s_button_stops_it_and_points_to_my_profile(riverton):
    url = unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org", category=Category.AUTOPAY)
    client = Client(HTTP_HOST=riverton.host)
    client.get(path_of(url))
    response = client.post(path_of(url), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    page = text(response)
    assert "You are unsubscribed" in page and "“AutoPay notices” emails from City of Riverton" in page
    assert 'href="/profile/notifications/"' in response.content.decode()
    assert refused(riverton) == {"autopay"}


@pytest.mark.parametrize("damage", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
                                    lambda t: t[:10], lambda t: "x" + t, lambda t: "not-a-token"])
def test_a_tampered_token_is_a_clear_400_and_changes_nothing(riverton, damage):
    url = unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org", category=Category.NEWSLETTERS)
    token = path_of(url).split("/")[2]
    bad = f"/unsubscribe/{damage(token)}/"
    for response in (mail_client(riverton).get(bad), one_click(mail_client(riverton), bad)):
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in text(response) and "Nothing was changed" in text(response)
    assert not NotificationChoice.objects.exists()


def test_a_token_signed_for_another_purpose_is_refused(riverton):
    from django.core import signing

    forged = signing.dumps([riverton.tenant.id, "rosa@example.org", "newsletters"], salt="other", compress=True)
    assert one_click(mail_client(riverton), f"/unsubscribe/{forged}/").status_code == 400
    assert not NotificationChoice.objects.exists()


def test_receipts_cannot_be_unsubscribed_even_with_a_signed_token(riverton):
    url = unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org", category=Category.TRANSACTIONAL)
    assert one_click(mail_client(riverton), url).status_code == 400
    assert not NotificationChoice.objects.exists()


def test_another_city_s_host_is_404_and_changes_nothing(riverton, lakeside):
    url = unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org", category=Category.NEWSLETTERS)
    assert Client(HTTP_HOST=lakeside.host).get(path_of(url)).status_code == 404
    assert one_click(mail_client(lakeside), url).status_code == 404
    assert not NotificationChoice.objects.exists()


def test_it_stops_mail_at_that_city_only(riverton, lakeside):
    one_click(mail_client(riverton), unsubscribe_url(tenant=riverton.tenant, address="rosa@example.org",
                                                     category=Category.BILLS))
    assert refused(riverton) == {"bills"} and refused(lakeside) == set()


def test_an_address_that_is_not_a_portal_user_can_unsubscribe(riverton):
    """The email Caselle has on an account gets Email Bills without a portal login."""
    url = unsubscribe_url(tenant=riverton.tenant, address="owner@caselle.example", category=Category.BILLS)
    assert one_click(mail_client(riverton), url).status_code == 200
    assert opted_out(tenant=riverton.tenant, addresses=["owner@caselle.example", "rosa@example.org"],
                     category="bills") == {"owner@caselle.example"}
