"""Portal members: every customer of the city, with or without a linked account, filtered, paged and exported."""

import html
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import LandlordLink, Membership

from ..factories import MembershipFactory, UserFactory
from .test_overview import enroll, link_account

MEMBERS = "/office/utility/members/"
EXPORT = "/office/utility/members/export.xlsx"
DENVER = ZoneInfo("America/Denver")


def text(response) -> str:
    return html.unescape(response.content.decode())


def member(city, email, *, joined=None, first_name="", last_name=""):
    person = UserFactory(email=email, first_name=first_name, last_name=last_name)
    MembershipFactory(tenant=city.tenant, user=person, created_at=joined or timezone.now())
    return person


def joined_on(person, city, when: datetime):
    Membership.objects.filter(tenant=city.tenant, user=person).update(created_at=when)


@pytest.fixture
def people(riverton, lakeside, larry):
    """Rosa (two accounts, one paperless, one on AutoPay), Larry the landlord (a link, no account of his own)."""
    rosa = riverton.resident
    link_account(riverton, rosa, "1001", paperless=True)
    link_account(riverton, rosa, "1002", paperless=False)
    enroll(riverton, rosa, "1001")
    enroll(riverton, rosa, "1002", ended=True)  # ended: not on AutoPay any more
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=77, landlord_name="Lake Rentals",
                                landlord_kind="landlord", account_count=12)
    link_account(lakeside, lakeside.resident, "9001")
    joined_on(rosa, riverton, datetime(2026, 3, 1, 9, 0, tzinfo=DENVER))
    joined_on(larry, riverton, datetime(2026, 3, 14, 23, 30, tzinfo=DENVER))  # the 15th in UTC, the 14th here
    return {"rosa": rosa, "larry": larry}


def rows_of(body: str) -> list[str]:
    """The members' emails in the order listed."""
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [cell.split("<br>")[-1].split("<")[0] for cell in table.split('<td class="wrap">')[1:]]


def test_it_lists_this_citys_customers_newest_first_with_what_each_has(riverton, people, client_for):
    body = text(client_for(riverton.clerk, riverton.tenant).get(MEMBERS))
    assert "2 portal members" in body
    assert rows_of(body) == ["larry@landlords.example", "rosa@example.org"]  # Larry joined last
    assert "carl@riverton.example" not in body  # an office admin: on Staff
    assert "lena@example.org" not in body and "lars@lakeside.example" not in body  # Lakeside's
    rosa, larry = body.split("rosa@example.org", 1)[1], body.split("larry@landlords.example", 1)[1].split("</tr>")[0]
    assert '<td data-label="Linked accounts">2</td>' in rosa
    assert '<td data-label="On AutoPay">Yes, 1 account</td>' in rosa
    assert '<td data-label="Paperless accounts">1</td>' in rosa
    assert '<td data-label="Joined">Mar 1, 2026 9:00 AM</td>' in rosa  # the city's time
    assert '<td data-label="Last sign-in">Never</td>' in rosa
    assert '<td data-label="Linked accounts">0</td>' in larry and '<td data-label="On AutoPay">No</td>' in larry
    assert f'href="/office/utility/landlords/?q=larry%40landlords.example">1<' in larry
    assert "/office/utility/portal-users/?q=larry" not in larry  # no accounts of his own: nothing to list there
    assert 'href="/office/utility/portal-users/?q=rosa%40example.org">Portal Users' in body
    assert f'href="/office/utility/portal-users/{people["larry"].pk}/view-as/?from=portal_members">View as customer' in larry


def test_last_sign_in_is_this_citys_in_its_time(riverton, people, client_for):
    Membership.objects.filter(user=people["rosa"]).update(last_login_at=datetime(2026, 3, 10, 18, 5, tzinfo=DENVER))
    body = text(client_for(riverton.clerk, riverton.tenant).get(MEMBERS))
    assert '<td data-label="Last sign-in">Mar 10, 2026 6:05 PM</td>' in body


@pytest.mark.parametrize("q, shown", [("ROSA@example", "rosa"), ("rosa", "rosa"), ("larry landlords", "larry"),
                                      ("Rivers", "larry")])
def test_the_search_finds_a_member_by_email_or_name(riverton, people, client_for, q, shown):
    people["larry"].last_name = "Rivers"
    people["larry"].save()
    body = text(client_for(riverton.clerk, riverton.tenant).get(MEMBERS, {"q": q}))
    assert "1 portal member" in body and rows_of(body) == [people[shown].email]


def test_none_linked_finds_the_landlord_and_the_one_who_never_linked(riverton, people, client_for):
    newcomer = member(riverton, "new@example.org")
    clerk = client_for(riverton.clerk, riverton.tenant)
    none = text(clerk.get(MEMBERS, {"linked": "none"}))
    assert "2 portal members" in none and rows_of(none) == [newcomer.email, "larry@landlords.example"]
    some = text(clerk.get(MEMBERS, {"linked": "some"}))
    assert "1 portal member" in some and rows_of(some) == ["rosa@example.org"]
    bad = text(clerk.get(MEMBERS, {"linked": "maybe"}))
    assert 'id="id_linked_error"' in bad and "3 portal members" in bad  # said on its field; the list still shows


def test_the_joined_range_is_in_city_days(riverton, people, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.get(MEMBERS, {"joined_from": "2026-03-14", "joined_to": "2026-03-14"}))
    assert rows_of(body) == ["larry@landlords.example"]  # 23:30 on the 14th in Denver, though the 15th in UTC
    assert rows_of(text(clerk.get(MEMBERS, {"joined_to": "2026-03-13"}))) == ["rosa@example.org"]
    backwards = text(clerk.get(MEMBERS, {"joined_from": "2026-03-14", "joined_to": "2026-03-01"}))
    assert "The end date is before the start date." in backwards


def test_it_shows_fifty_a_page_and_its_queries_do_not_grow_with_rows(riverton, people, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    clerk.get(MEMBERS)
    with CaptureQueriesContext(connection) as few:
        clerk.get(MEMBERS)
    for n in range(53):
        person = member(riverton, f"p{n:02}@example.org")
        link_account(riverton, person, f"20{n:02}", paperless=n % 2 == 0)
        if n % 3 == 0:
            enroll(riverton, person, f"20{n:02}")
            LandlordLink.objects.create(tenant=riverton.tenant, user=person, landlord_id=100 + n)
    with CaptureQueriesContext(connection) as many:
        body = text(clerk.get(MEMBERS))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "55 portal members" in body and "Page 1 of 2" in body and body.count("View as customer<") == 50
    assert text(clerk.get(MEMBERS, {"page": 2})).count("View as customer<") == 5


def test_export_is_exactly_the_filtered_members(riverton, people, client_for):
    member(riverton, "new@example.org", first_name="Nina")
    response = client_for(riverton.clerk, riverton.tenant).get(EXPORT, {"linked": "none", "q": "larry"})
    assert response.status_code == 200 and "portal-members-riverton-" in response["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
        values_only=True))
    assert rows[0] == ("Email", "Name", "Joined", "Last sign-in", "Linked accounts", "Landlord/cosigner links",
                       "On AutoPay", "Paperless accounts")
    assert rows[1:] == [("larry@landlords.example", "Larry", datetime(2026, 3, 14, 23, 30), None, 0, 1, 0, 0)]
    everyone = client_for(riverton.clerk, riverton.tenant).get(EXPORT)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(everyone.streaming_content))).active
    assert [r[0] for r in book.iter_rows(min_row=2, values_only=True)] == [
        "new@example.org", "larry@landlords.example", "rosa@example.org"]


def test_a_resident_and_another_citys_clerk_get_404(riverton, lakeside, people, client_for):
    for client in (client_for(riverton.resident, riverton.tenant), client_for(lakeside.clerk, riverton.tenant)):
        assert client.get(MEMBERS).status_code == 404 and client.get(EXPORT).status_code == 404
    body = text(client_for(lakeside.clerk, lakeside.tenant).get(MEMBERS))  # at home, Lakeside's own only
    assert "1 portal member" in body and rows_of(body) == ["lena@example.org"]


def test_the_menu_entry_opens_it_and_is_marked_current(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    assert f'href="{MEMBERS}">Portal members<' in clerk.get("/office/").content.decode()
    body = clerk.get(MEMBERS).content.decode()
    assert f'<a href="{MEMBERS}" aria-current="page">Portal members</a>' in body
    assert "<summary>Office menu: Portal members</summary>" in body


def test_a_member_whose_sign_in_is_turned_off_is_listed_without_view_as(riverton, people, client_for):
    people["larry"].is_active = False
    people["larry"].save()
    body = text(client_for(riverton.clerk, riverton.tenant).get(MEMBERS))
    assert "2 portal members" in body  # as the Overview counts them
    larry = body.split("larry@landlords.example", 1)[1].split("</tr>")[0]
    assert "Sign-in turned off" in larry and "View as customer" not in larry
