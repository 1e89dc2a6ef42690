"""Portal Users: every utility account linked to a portal user, searchable and exported; the trash can unlinks."""

import html
import io
from datetime import datetime

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.accounts.models import AccountSnapshot
from customers.models import LinkedAccount

from ..conftest import link_sample
from ..factories import MembershipFactory, UserFactory
from .audit_helpers import audit_rows

USERS = "/office/utility/portal-users/"
EXPORT = "/office/utility/portal-users/export.xlsx"


def text(response) -> str:
    return html.unescape(response.content.decode())


def add_link(city, email, number, *, holder=("", ""), first_name="", paper=None):
    """A member of the city with one linked account and Caselle's name for it (rows made directly); paper: whether
    Caselle says Send Paper Statement (None: Caselle has not said)."""
    person = UserFactory(email=email, first_name=first_name)
    MembershipFactory(tenant=city.tenant, user=person)
    key = number.replace("-", "")
    data = {"customer_number": number, "first_name": holder[0], "last_name": holder[1]}
    if paper is not None:
        data["send_paper_statement"] = paper
    AccountSnapshot.objects.update_or_create(tenant=city.tenant, account_key=key, defaults={"data": data})
    return LinkedAccount.objects.create(tenant=city.tenant, user=person, account_key=key, customer_number=number)


@pytest.fixture
def people(riverton, lakeside):
    return {
        "ann": add_link(riverton, "ann@example.org", "001-0101-00", holder=("Ann", "Archer"), first_name="Annie"),
        "bob": add_link(riverton, "bob@example.org", "002-0202-00", holder=("Robert", "Baker")),
        "lena": LinkedAccount.objects.create(tenant=lakeside.tenant, user=lakeside.resident, account_key="3030300",
                                             customer_number="003-0303-00"),
    }


def test_it_lists_every_linked_account_of_the_city_with_caselles_name(riverton, people, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(USERS))
    assert "2 linked accounts" in body
    assert "ann@example.org" in body and "001-0101-00" in body and "Ann Archer" in body and "Annie" in body
    assert "bob@example.org" in body and "Robert Baker" in body
    assert "003-0303-00" not in body and "lena@example.org" not in body  # Lakeside's
    assert f'href="{USERS}{people["ann"].pk}/unlink/"' in body
    assert "Unlink account 001-0101-00 from ann@example.org" in body  # the trash can's words for a screen reader
    assert f'href="{USERS}{people["ann"].user_id}/view-as/"' in body


@pytest.mark.parametrize("q, shown", [
    ("ANN@example", "ann"), ("annie", "ann"), ("archer", "ann"), ("robert baker", "bob"),
    ("002-0202-00", "bob"), ("0020202", "bob"), ("002.0202.00", "bob"), ("002 0202 00", "bob"), ("0101", "ann"),
])
def test_it_finds_by_email_name_or_customer_number_with_or_without_dashes(riverton, people, client_for, q, shown):
    body = text(client_for(riverton.clerk, riverton.tenant).get(USERS, {"q": q}))
    other = "bob" if shown == "ann" else "ann"
    assert "1 linked account" in body
    assert people[shown].customer_number in body and people[other].customer_number not in body


def test_a_search_too_long_is_said_on_its_field_and_the_list_still_shows(riverton, people, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(USERS, {"q": "x" * 101}))
    assert 'id="id_q_error"' in body and "at most 100 characters" in body
    assert "2 linked accounts" in body


def test_it_shows_fifty_a_page_and_its_queries_do_not_grow_with_rows(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    add_link(riverton, "first@example.org", "100-0000-00")
    clerk.get(USERS)
    with CaptureQueriesContext(connection) as one:
        clerk.get(USERS)
    for n in range(1, 55):
        add_link(riverton, f"p{n:02}@example.org", f"100-{n:04}-00", holder=("P", f"Person{n}"))
    with CaptureQueriesContext(connection) as many:
        body = text(clerk.get(USERS))
    assert len(many.captured_queries) == len(one.captured_queries)
    assert "55 linked accounts" in body and "Page 1 of 2" in body and body.count("/unlink/") == 50
    second = text(clerk.get(USERS, {"page": 2}))
    assert second.count("/unlink/") == 5


def test_export_is_exactly_the_searched_rows(riverton, people, client_for):
    response = client_for(riverton.clerk, riverton.tenant).get(EXPORT, {"q": "baker"})
    assert response.status_code == 200 and "portal-users-riverton-" in response["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
        values_only=True))
    assert rows[0] == ("Email", "Name", "Customer number", "Name on the account", "Bills", "Linked")
    assert len(rows) == 2 and rows[1][:5] == ("bob@example.org", None, "002-0202-00", "Robert Baker", "Not read yet")
    assert isinstance(rows[1][5], datetime)


def test_bills_shows_and_filters_paperless_and_paper_accounts_as_caselle_last_said(riverton, people, client_for):
    add_link(riverton, "eve@example.org", "004-0404-00", holder=("Eve", "Evans"), paper=False)
    add_link(riverton, "pat@example.org", "005-0505-00", holder=("Pat", "Park"), paper=True)
    clerk = client_for(riverton.clerk, riverton.tenant)
    everyone = text(clerk.get(USERS))
    assert "4 linked accounts" in everyone
    assert everyone.count('<td data-label="Bills">By email</td>') == 1
    assert everyone.count('<td data-label="Bills">Paper</td>') == 1
    assert everyone.count('<td data-label="Bills">Not read yet</td>') == 2  # Ann and Bob: Caselle has not said
    paperless = text(clerk.get(USERS, {"bills": "email"}))
    assert "1 linked account" in paperless and "004-0404-00" in paperless and "005-0505-00" not in paperless
    paper = text(clerk.get(USERS, {"bills": "paper"}))
    assert "1 linked account" in paper and "005-0505-00" in paper and "004-0404-00" not in paper
    bad = text(clerk.get(USERS, {"bills": "fax"}))
    assert 'id="id_bills_error"' in bad and "4 linked accounts" in bad  # said on its field; the list still shows


def test_the_trash_can_asks_first_then_unlinks_only_that_person(cows, riverton, larry, client_for):
    key = link_sample(cows, riverton)
    link_sample(cows, riverton, user=larry)  # Larry linked the same account
    rosas = LinkedAccount.objects.get(user=riverton.resident)
    url = f"{USERS}{rosas.pk}/unlink/"
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert f"Unlink account {rosas.customer_number} from rosa@example.org?" in text(clerk.get(url))
    assert LinkedAccount.objects.filter(pk=rosas.pk).exists()  # asking changes nothing
    body = text(clerk.post(url, follow=True))
    assert f"Account {rosas.customer_number} is no longer linked to rosa@example.org." in body
    assert not LinkedAccount.objects.filter(user=riverton.resident).exists()
    assert LinkedAccount.objects.filter(user=larry, account_key=key).exists()
    assert audit_rows(riverton, "portal_user.unlink") == [(riverton.clerk, f"account {rosas.customer_number}", {})]
    assert rosas.customer_number not in text(client_for(riverton.resident, riverton.tenant).get("/utility/"))
    assert clerk.post(url).status_code == 404  # nothing left to unlink


def test_a_resident_and_another_citys_clerk_get_404(riverton, lakeside, people, client_for):
    url = f"{USERS}{people['ann'].pk}/unlink/"
    rosa = client_for(riverton.resident, riverton.tenant)
    assert rosa.get(USERS).status_code == 404 and rosa.get(EXPORT).status_code == 404
    for client in (rosa, client_for(lakeside.clerk, lakeside.tenant)):
        assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    assert LinkedAccount.objects.filter(pk=people["ann"].pk).exists()
    # Lakeside's clerk sees Lakeside's links only.
    body = text(client_for(lakeside.clerk, lakeside.tenant).get(USERS))
    assert "003-0303-00" in body and "ann@example.org" not in body


def test_the_menu_leads_here(riverton, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    assert f'href="{USERS}">Portal Users<' in body
