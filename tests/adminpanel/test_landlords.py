"""Landlord Management: search Caselle's landlords and cosigners, link one to a portal user of the city, remove it."""

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import LandlordLink

from ..factories import MembershipFactory, UserFactory
from .audit_helpers import audit_rows

LANDLORDS = "/office/utility/landlords/"
LINK = "/office/utility/landlords/link/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def office_landlords(sim, slug="riverton") -> list[dict]:
    return sim.get("/landlords?q=", office=slug).json()["landlords"]


@pytest.fixture
def landlord(cows) -> dict:
    """Riverton's landlord with the most accounts (several)."""
    found = max((party for party in office_landlords(cows) if party["kind"] == "landlord"),
                key=lambda party: len(party["customer_numbers"]))
    assert len(found["customer_numbers"]) >= 2
    return found


@pytest.fixture
def cosigner(cows) -> dict:
    return next(party for party in office_landlords(cows) if party["kind"] == "cosigner")


def link(client, landlord_id, email):
    return client.post(LINK, {"landlord": landlord_id, "email": email})


def test_it_searches_caselle_by_name_and_by_id(riverton, landlord, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    word = landlord["name"].split()[0]
    body = text(clerk.get(LANDLORDS, {"find": word.lower()}))
    assert landlord["name"] in body and "Landlord" in body
    assert f"{LINK}?landlord={landlord['id']}" in body
    by_id = text(clerk.get(LANDLORDS, {"find": str(landlord["id"])}))
    assert landlord["name"] in by_id and "1 landlord or cosigner found" in by_id


def test_a_search_that_finds_nothing_says_so(riverton, cows, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(LANDLORDS, {"find": "Zzyzx Nobody"}))
    assert "0 landlords and cosigners found" in body


def test_an_empty_search_is_refused_on_its_field(riverton, cows, client_for):
    response = client_for(riverton.clerk, riverton.tenant).get(LANDLORDS, {"find": "  "})
    assert response.status_code == 400
    assert 'id="id_find_error"' in text(response) and "Type a name, email or id to search for." in text(response)


def test_billing_system_down_is_said_and_the_links_still_show(riverton, larry, landlord, cows, client_for):
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=landlord["id"],
                                landlord_name=landlord["name"], landlord_kind="landlord", account_count=4)
    cows.set_fault(operation="landlords", mode="error", status=503, office="riverton")
    response = client_for(riverton.clerk, riverton.tenant).get(LANDLORDS, {"find": "a"})
    assert response.status_code == 400
    body = text(response)
    assert "The billing system (Caselle) cannot be reached right now" in body
    assert "larry@landlords.example" in body and "1 link" in body


def test_the_link_page_shows_the_party_and_its_accounts(riverton, landlord, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(LINK, {"landlord": landlord["id"]}))
    assert landlord["name"] in body
    for number in landlord["customer_numbers"]:
        assert number in body
    assert f"with {len(landlord['customer_numbers'])} accounts" in body


def test_an_unknown_landlord_id_is_not_found(riverton, cows, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert clerk.get(LINK, {"landlord": "99999"}).status_code == 404
    assert clerk.get(LINK, {"landlord": "abc"}).status_code == 404
    assert clerk.get(LINK).status_code == 404


def test_linking_records_the_clerk_and_the_landlord_then_sees_every_account(riverton, larry, landlord, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    response = link(clerk, landlord["id"], "  LARRY@landlords.example ")
    assert response.status_code == 302 and response["Location"] == LANDLORDS
    saved = LandlordLink.objects.get(tenant=riverton.tenant, user=larry)
    assert (saved.landlord_id, saved.landlord_name, saved.landlord_kind, saved.linked_by) == (
        landlord["id"], landlord["name"], "landlord", riverton.clerk)
    assert saved.account_count == len(landlord["customer_numbers"])
    body = text(clerk.get(LANDLORDS))
    assert f"larry@landlords.example now sees every account of {landlord['name']}." in body
    assert "by carl@riverton.example" in body and (f'<td class="num" data-label="Accounts">'
                                                     f'{len(landlord["customer_numbers"])}</td>') in body
    assert f'href="/office/utility/portal-users/{larry.pk}/view-as/?from=landlords"' in body  # see what they see
    assert audit_rows(riverton, "landlord.link") == [(riverton.clerk, f"landlord {landlord['id']}", {})]

    home = text(client_for(larry, riverton.tenant).get("/utility/"))
    for number in landlord["customer_numbers"]:
        assert number in home
    assert landlord["name"] in home


def test_a_cosigner_is_linked_the_same_way(riverton, larry, cosigner, client_for):
    assert link(client_for(riverton.clerk, riverton.tenant), cosigner["id"], larry.email).status_code == 302
    assert LandlordLink.objects.get(user=larry).landlord_kind == "cosigner"
    home = text(client_for(larry, riverton.tenant).get("/utility/"))
    assert all(number in home for number in cosigner["customer_numbers"])


@pytest.mark.parametrize("email, message", [
    ("lena@example.org", "No one has signed up at City of Riverton with lena@example.org."),  # Lakeside's resident
    ("nobody@example.org", "No one has signed up at City of Riverton with nobody@example.org."),
    ("not-an-email", "Enter a valid email address, such as name@example.org."),
    ("", "Enter the email of the portal user to link."),
])
def test_only_a_member_of_this_city_can_be_linked(riverton, lakeside, landlord, client_for, email, message):
    response = link(client_for(riverton.clerk, riverton.tenant), landlord["id"], email)
    assert response.status_code == 400
    body = text(response)
    assert message in body and 'id="id_email_error"' in body
    assert not LandlordLink.objects.exists()
    assert not audit_rows(riverton, "landlord.link")


def test_a_deactivated_person_is_not_linked(riverton, landlord, client_for):
    gone = UserFactory(email="gone@example.org", is_active=False)
    MembershipFactory(tenant=riverton.tenant, user=gone)
    assert link(client_for(riverton.clerk, riverton.tenant), landlord["id"], gone.email).status_code == 400
    assert not LandlordLink.objects.exists()


def test_linking_twice_says_it_is_already_linked(riverton, larry, landlord, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    link(clerk, landlord["id"], larry.email)
    response = link(clerk, landlord["id"], larry.email)
    assert response.status_code == 400
    assert "larry@landlords.example is already linked to this landlord or cosigner." in text(response)
    assert LandlordLink.objects.count() == 1 and len(audit_rows(riverton, "landlord.link")) == 1


def test_an_unknown_landlord_is_not_linked(riverton, larry, cows, client_for):
    assert link(client_for(riverton.clerk, riverton.tenant), 99999, larry.email).status_code == 404
    assert not LandlordLink.objects.exists()


def test_billing_system_down_links_nothing(riverton, larry, landlord, cows, client_for):
    cows.set_fault(operation="landlord", mode="error", status=503, office="riverton")
    response = link(client_for(riverton.clerk, riverton.tenant), landlord["id"], larry.email)
    assert response.status_code == 400
    assert "The billing system (Caselle) cannot be reached right now" in text(response)
    assert not LandlordLink.objects.exists()


def test_billing_system_stopped_shows_only_that_and_a_way_back(riverton, larry, landlord, cows, client_for):
    cows.stop()  # the fixture starts it again after the test
    clerk = client_for(riverton.clerk, riverton.tenant)
    shown, posted = clerk.get(LINK, {"landlord": landlord["id"]}), link(clerk, landlord["id"], larry.email)
    assert (shown.status_code, posted.status_code) == (200, 400)
    for body in (text(shown), text(posted)):
        assert body.count("The billing system (Caselle) cannot be reached right now") == 1
        assert 'name="email"' not in body and "The person sees these accounts" not in body  # no form, no party
        assert f'<a href="{LANDLORDS}">Back to Landlord Management</a>' in body
    assert not LandlordLink.objects.exists()


def test_removing_asks_first_then_the_landlord_no_longer_sees_the_accounts(riverton, larry, landlord, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    link(clerk, landlord["id"], larry.email)
    saved = LandlordLink.objects.get(user=larry)
    url = f"/office/utility/landlords/{saved.pk}/remove/"
    assert f"Remove the link of larry@landlords.example to {landlord['name']} (Landlord)?" in text(clerk.get(url))
    assert LandlordLink.objects.filter(pk=saved.pk).exists()  # asking changes nothing
    body = text(clerk.post(url, follow=True))
    assert f"larry@landlords.example no longer sees the accounts of {landlord['name']}." in body
    assert not LandlordLink.objects.exists()
    assert audit_rows(riverton, "landlord.unlink") == [(riverton.clerk, f"landlord {landlord['id']}", {})]
    home = text(client_for(larry, riverton.tenant).get("/utility/"))
    assert not any(number in home for number in landlord["customer_numbers"])
    assert clerk.post(url).status_code == 404  # nothing left to remove


def test_another_citys_clerk_and_a_resident_cannot_remove_a_link(riverton, lakeside, larry, landlord, client_for):
    saved = LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=landlord["id"])
    url = f"/office/utility/landlords/{saved.pk}/remove/"
    assert client_for(lakeside.clerk, lakeside.tenant).post(url).status_code == 404
    assert client_for(riverton.resident, riverton.tenant).post(url).status_code == 404
    assert client_for(riverton.resident, riverton.tenant).get(LANDLORDS).status_code == 404
    assert LandlordLink.objects.filter(pk=saved.pk).exists()


def test_the_links_list_filters_and_its_queries_do_not_grow_with_rows(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)

    def add(n):
        for i in range(n):
            person = UserFactory(email=f"owner{LandlordLink.objects.count()}@example.org")
            MembershipFactory(tenant=riverton.tenant, user=person)
            LandlordLink.objects.create(tenant=riverton.tenant, user=person, landlord_id=100 + i,
                                        landlord_name=f"Holdings {i}", landlord_kind="landlord", account_count=2,
                                        linked_by=riverton.clerk)

    add(1)
    clerk.get(LANDLORDS)
    with CaptureQueriesContext(connection) as one:
        clerk.get(LANDLORDS)
    add(6)
    with CaptureQueriesContext(connection) as seven:
        body = text(clerk.get(LANDLORDS))
    assert "7 links" in body
    assert len(seven.captured_queries) == len(one.captured_queries)
    found = text(clerk.get(LANDLORDS, {"q": "owner3"}))
    assert "1 link" in found and "owner3@example.org" in found and "owner4@example.org" not in found


def test_the_menu_leads_here(riverton, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    assert f'href="{LANDLORDS}">Landlords<' in body


def test_the_demo_seed_links_a_landlord_and_leaves_two_failed_attempts_once(riverton, account, client_for, password):
    from customers.demo import DEMO_LANDLORD, seed_people_demo
    from customers.models import LinkAttempt

    seed_people_demo(tenant=riverton.tenant, password=password, clerk=riverton.clerk, resident=riverton.resident)
    seed_people_demo(tenant=riverton.tenant, password=password, clerk=riverton.clerk, resident=riverton.resident)
    link = LandlordLink.objects.get(tenant=riverton.tenant)
    assert link.user.email == DEMO_LANDLORD and link.account_count >= 2 and link.linked_by == riverton.clerk
    reasons = sorted(LinkAttempt.objects.filter(outcome="failed").values_list("reason", flat=True))
    assert reasons == ["name_mismatch", "no_account"]
    home = text(client_for(link.user, riverton.tenant).get("/utility/"))
    assert link.landlord_name in home
    body = text(client_for(riverton.clerk, riverton.tenant).get("/office/utility/link-attempts/"))
    assert "2 failed attempts" in body and "Residant" in body and "No such account" in body
