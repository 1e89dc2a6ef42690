"""View as customer: a clerk reads the portal as one of the city's people; nothing can change; the session stays
the clerk's."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from adminpanel.models import AuditEntry
from billing.payments.models import PaymentMethod
from customers.models import LandlordLink, LinkAttempt, LinkedAccount, Membership, User

from ..conftest import link_sample

BANNER = "You are viewing the portal as rosa@example.org. Nothing can be changed."
REFUSED = "Not while viewing as a customer"
STOP = "/office/utility/view-as/stop/"


def text(response) -> str:
    """The page's words, without tags and with single spaces (the banner's email is in bold)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split()).replace(" .", ".")


def start_url(user) -> str:
    return f"/office/utility/portal-users/{user.pk}/view-as/"


def stops(city) -> list[str]:
    return [e.summary for e in AuditEntry.objects.filter(tenant=city.tenant, action="view_as.stop")]


@pytest.fixture
def accounts(cows, riverton):
    """Rosa's account, and the clerk's own (another one), each linked by its person."""
    return {"rosa": link_sample(cows, riverton, 0), "clerk": link_sample(cows, riverton, 1, user=riverton.clerk),
            "rosa_number": cows.samples("riverton")[0]["customer_number"],
            "clerk_number": cows.samples("riverton")[1]["customer_number"]}


@pytest.fixture
def viewing(riverton, accounts, client_for):
    """Carl's browser, viewing the portal as Rosa."""
    clerk = client_for(riverton.clerk, riverton.tenant)
    response = clerk.post(start_url(riverton.resident))
    assert response.status_code == 302 and response["Location"] == "/utility/"
    return clerk


def test_it_asks_first_then_shows_the_persons_accounts_under_a_banner(riverton, accounts, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    asked = text(clerk.get(start_url(riverton.resident)))
    assert "See the portal as rosa@example.org sees it" in asked and "ends after 30 minutes" in asked
    assert BANNER not in text(clerk.get("/utility/"))  # asking starts nothing
    clerk.post(start_url(riverton.resident))
    response = clerk.get("/utility/")
    home, raw = text(response), response.content.decode()
    assert BANNER in home and f'action="{STOP}"' in raw and "Stop viewing" in home
    assert accounts["rosa_number"] in home and accounts["clerk_number"] not in home
    assert 'href="/office/"' not in raw  # as Rosa sees it: no Admin menu
    start = AuditEntry.objects.get(tenant=riverton.tenant, action="view_as.start")
    assert (start.actor, start.target) == (riverton.clerk, "rosa@example.org")


def test_every_customer_page_reads_as_the_person(riverton, accounts, viewing):
    key = accounts["rosa"]
    for url in ("/utility/history/", "/utility/graphs/"):  # one account: straight to its page
        response = viewing.get(url)
        assert response.status_code == 302 and key in response["Location"], url
    for url in ("/", "/utility/", f"/utility/accounts/{key}/history/", f"/utility/accounts/{key}/graphs/",
                "/communications/", "/profile/", "/profile/notifications/"):
        response = viewing.get(url)
        assert response.status_code == 200, url
        assert BANNER in text(response), url
        assert "no-store" in response["Cache-Control"], url  # not kept in the clerk's browser
    assert "You sign in as rosa@example.org" in text(viewing.get("/profile/"))
    # The clerk's own account is not Rosa's to see.
    assert viewing.get(f"/utility/accounts/{accounts['clerk']}/history/").status_code == 404


def test_no_post_succeeds_while_viewing(cows, riverton, accounts, viewing):
    rosa = riverton.resident
    number = next(n for ll in cows.get("/landlords?q=", office="riverton").json()["landlords"]
                  for n in ll["customer_numbers"] if n.replace("-", "") not in accounts.values())
    other = {"customer_number": number,
             "last_name": cows.get(f"/accounts/{number}", office="riverton").json()["last_name"]}
    link = LinkedAccount.objects.get(user=rosa)
    card = PaymentMethod.objects.create(tenant=riverton.tenant, user=rosa, provider="sandbox", token="tok_r",
                                        kind="card", brand="Visa", last4="4242", exp_month=12, exp_year=2030)
    key = accounts["rosa"]
    posts = [
        ("/utility/link/", {"customer_number": other["customer_number"], "last_name": other["last_name"]}),
        (f"/utility/links/{link.pk}/unlink/", {}),
        ("/profile/", {"phone": "(303) 555-0123"}),
        ("/profile/notifications/", {"phone": "(303) 555-0123"}),
        (f"/utility/accounts/{key}/paperless/", {"paperless": "on"}),
        (f"/pay/utility/{key}/", {"amount": "10.00"}),
        (f"/pay/wallet/{card.pk}/delete/", {}),
        (f"/utility/accounts/{key}/autopay/schedule/", {"days_before_due": "3"}),
        ("/", {}), ("/utility/", {}),
    ]
    for url, data in posts:
        response = viewing.post(url, data)
        assert response.status_code == 403, url
        assert REFUSED in text(response) and BANNER in text(response), url
    for method in ("put", "patch", "delete"):
        assert getattr(viewing, method)("/utility/").status_code == 403
    # Nothing changed, for Rosa or for the clerk.
    assert list(LinkedAccount.objects.filter(user=rosa).values_list("pk", flat=True)) == [link.pk]
    assert not LinkedAccount.objects.filter(account_key=other["customer_number"].replace("-", "")).exists()
    assert not LinkAttempt.objects.filter(outcome="failed").exists()
    assert User.objects.get(pk=rosa.pk).phone == "" and User.objects.get(pk=riverton.clerk.pk).phone == ""
    assert PaymentMethod.objects.filter(pk=card.pk).exists()
    assert not riverton.tenant.payments.exists()


def test_paying_the_wallet_autopay_linking_and_account_changes_are_refused_even_to_look(riverton, accounts, viewing):
    key = accounts["rosa"]
    for url in (f"/pay/utility/{key}/", "/pay/wallet/", "/pay/cart/", "/pay/other/", "/utility/link/",
                f"/utility/accounts/{key}/autopay/", f"/utility/accounts/{key}/autopay/schedule/",
                "/accounts/email/", "/accounts/password/change/", "/welcome/next/"):
        response = viewing.get(url)
        assert response.status_code == 403, url
        assert REFUSED in text(response), url


def test_the_session_stays_the_clerks_and_stop_ends_the_view(riverton, accounts, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    session_key = clerk.session.session_key
    clerk.post(start_url(riverton.resident))
    clerk.get("/utility/")
    assert clerk.session.session_key == session_key
    assert clerk.session[SESSION_KEY] == str(riverton.clerk.pk)
    body = text(clerk.post(STOP, follow=True))
    assert "You stopped viewing the portal as rosa@example.org." in body
    assert clerk.session.session_key == session_key and clerk.session[SESSION_KEY] == str(riverton.clerk.pk)
    assert "_view_as" not in clerk.session
    home = text(clerk.get("/utility/"))
    assert BANNER not in home and accounts["clerk_number"] in home and accounts["rosa_number"] not in home
    assert stops(riverton) == ["Stopped viewing the portal as rosa@example.org (stopped)"]
    assert AuditEntry.objects.get(action="view_as.stop").actor == riverton.clerk
    # The clerk is the clerk again: a POST of theirs works.
    assert clerk.post("/profile/notifications/", {"phone": "(303) 555-0123"}).status_code == 302
    assert User.objects.get(pk=riverton.clerk.pk).phone == "+13035550123"
    assert User.objects.get(pk=riverton.resident.pk).phone == ""


def test_opening_an_office_page_ends_the_view(riverton, accounts, viewing):
    office = text(viewing.get("/office/"))
    assert BANNER not in office
    assert "You stopped viewing the portal as rosa@example.org: office pages are your own." in office
    assert BANNER not in text(viewing.get("/utility/"))
    assert stops(riverton) == ["Stopped viewing the portal as rosa@example.org (opened an office page)"]


def test_it_ends_after_thirty_minutes(riverton, accounts, viewing):
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert BANNER in text(viewing.get("/utility/"))
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = viewing.get("/utility/")
        assert response.status_code == 302 and response["Location"] == "/office/utility/portal-users/"
        assert "Your view of the portal as rosa@example.org ended after 30 minutes." in text(
            viewing.get(response["Location"]))
        assert BANNER not in text(viewing.get("/utility/"))
    assert stops(riverton) == ["Stopped viewing the portal as rosa@example.org (after 30 minutes)"]


def test_signing_out_ends_the_view(riverton, accounts, viewing):
    assert viewing.post("/accounts/logout/").status_code == 302
    assert stops(riverton) == ["Stopped viewing the portal as rosa@example.org (signed out)"]
    assert SESSION_KEY not in viewing.session


def test_a_resident_can_never_view_as_someone(riverton, larry, accounts, client_for):
    rosa = client_for(riverton.resident, riverton.tenant)
    assert rosa.get(start_url(larry)).status_code == 404
    assert rosa.post(start_url(larry)).status_code == 404
    # Even with the state written into her session by hand, she stays herself.
    session = rosa.session
    session["_view_as"] = {"user": larry.pk, "email": larry.email, "tenant": riverton.tenant.pk,
                           "by": riverton.resident.pk, "since": timezone.now().isoformat()}
    session.save()
    home = text(rosa.get("/utility/"))
    assert "You are viewing the portal as" not in home and accounts["rosa_number"] in home
    assert "_view_as" not in rosa.session
    assert rosa.post("/profile/notifications/", {"phone": "(303) 555-0199"}).status_code == 302
    assert User.objects.get(pk=riverton.resident.pk).phone == "+13035550199"


def test_the_state_of_another_clerk_or_city_is_ignored(riverton, lakeside, larry, accounts, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    for forged in ({"by": lakeside.clerk.pk, "tenant": riverton.tenant.pk},
                   {"by": riverton.clerk.pk, "tenant": lakeside.tenant.pk}, {"by": "x"}):
        session = clerk.session
        session["_view_as"] = {"user": larry.pk, "email": larry.email, "tenant": riverton.tenant.pk,
                               "by": riverton.clerk.pk, "since": timezone.now().isoformat(), **forged}
        session.save()
        assert "You are viewing the portal as" not in text(clerk.get("/utility/"))
        assert "_view_as" not in clerk.session


def test_another_citys_person_or_no_one_is_not_found(riverton, lakeside, accounts, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert clerk.post(start_url(lakeside.resident)).status_code == 404
    assert clerk.get(f"/office/utility/portal-users/{lakeside.resident.pk + 1000}/view-as/").status_code == 404
    assert "_view_as" not in clerk.session and not AuditEntry.objects.filter(action="view_as.start").exists()


def test_viewing_yourself_is_refused(riverton, accounts, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.post(start_url(riverton.clerk), follow=True))
    assert "That is you" in body and "_view_as" not in clerk.session


def test_a_clerk_no_longer_office_admin_gets_no_view(riverton, accounts, viewing):
    Membership.objects.filter(tenant=riverton.tenant, user=riverton.clerk).update(role=Membership.Role.CUSTOMER)
    Membership.objects.get(tenant=riverton.tenant, user=riverton.clerk).save()  # drops the cached roles
    home = text(viewing.get("/utility/"))
    assert BANNER not in home and accounts["clerk_number"] in home
    assert stops(riverton) == ["Stopped viewing the portal as rosa@example.org (no longer an office admin)"]


def test_a_person_who_leaves_the_city_ends_the_view(riverton, accounts, viewing):
    Membership.objects.get(tenant=riverton.tenant, user=riverton.resident).delete()
    response = viewing.get("/utility/")
    assert response.status_code == 302
    assert "rosa@example.org is no longer a portal user of this city." in text(viewing.get(response["Location"]))
    assert stops(riverton) == [
        "Stopped viewing the portal as rosa@example.org (the person is no longer a member of the city)"]


def test_viewing_a_landlord_shows_every_account_of_their_landlord(cows, riverton, larry, client_for):
    landlords = cows.get("/landlords?q=", office="riverton").json()["landlords"]
    landlord = max(landlords, key=lambda l: len(l["customer_numbers"]))
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=landlord["id"])
    clerk = client_for(riverton.clerk, riverton.tenant)
    clerk.post(start_url(larry))
    home = text(clerk.get("/utility/"))
    assert "You are viewing the portal as larry@landlords.example." in home
    assert all(number in home for number in landlord["customer_numbers"])


def test_viewing_costs_no_more_queries_than_the_persons_own_page(riverton, accounts, viewing, client_for):
    rosa = client_for(riverton.resident, riverton.tenant)
    rosa.get("/utility/")
    viewing.get("/utility/")
    with CaptureQueriesContext(connection) as own:
        rosa.get("/utility/")
    with CaptureQueriesContext(connection) as viewed:
        viewing.get("/utility/")
    assert len(viewed.captured_queries) <= len(own.captured_queries) + 1


def test_the_persons_pages_offer_nothing_that_would_be_refused(riverton, accounts, viewing, client_for):
    home = viewing.get("/utility/").content.decode()
    assert "Make a Payment" not in home and "Enroll in Paperless" not in home and "Unlink account" not in home
    assert "Link Another Account" not in home and "My wallet" not in home
    assert "Paper statements by mail." in home or "Paperless: your bills come by email." in home  # said, not offered
    own = client_for(riverton.resident, riverton.tenant).get("/utility/").content.decode()
    assert "Make a Payment" in own and "Link Another Account" in own and "My wallet" in own  # Rosa's own view


def test_the_citys_logo_still_loads_while_viewing(riverton, accounts, viewing, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "logos").mkdir()
    (tmp_path / "logos" / "city.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = viewing.get("/media/logos/city.png")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert BANNER in text(viewing.get("/utility/"))  # fetching it did not end the view


def test_menus_tiles_and_account_links_offer_only_what_viewing_may_open(riverton, accounts, viewing, client_for):
    key = accounts["rosa"]
    welcome = viewing.get("/").content.decode()
    history = viewing.get(f"/utility/accounts/{key}/history/").content.decode()
    assert 'href="/pay/other/"' not in welcome and "/autopay/" not in history
    assert 'href="/utility/"' in welcome  # Utility Billing is still offered
    own = client_for(riverton.resident, riverton.tenant)
    assert 'href="/pay/other/"' in own.get("/").content.decode()  # Rosa's own welcome page has Other Payments
    assert "/autopay/" in own.get(f"/utility/accounts/{key}/history/").content.decode()


@pytest.mark.parametrize("came_from, back_to, words", [
    ("portal_members", "/office/utility/members/", "Back to Portal members"),
    ("landlords", "/office/utility/landlords/", "Back to Landlords"),
    ("elsewhere", "/office/utility/portal-users/", "Back to Portal Users"),  # anything else: Portal Users
])
def test_the_view_ends_back_on_the_list_it_started_from(riverton, accounts, client_for, came_from, back_to, words):
    clerk = client_for(riverton.clerk, riverton.tenant)
    asked = clerk.get(start_url(riverton.resident), {"from": came_from}).content.decode()
    assert f'<a href="{back_to}">{words}</a>' in asked
    assert f'<a href="{back_to}" aria-current="page">' in asked  # the menu marks the list the clerk came from
    response = clerk.post(start_url(riverton.resident), {"from": came_from})
    assert response["Location"] == "/utility/"
    stopped = clerk.post(STOP)
    assert stopped.status_code == 302 and stopped["Location"] == back_to


def test_portal_members_and_landlords_start_the_view_from_themselves(riverton, accounts, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    members = clerk.get("/office/utility/members/").content.decode()
    assert f'href="{start_url(riverton.resident)}?from=portal_members"' in members
