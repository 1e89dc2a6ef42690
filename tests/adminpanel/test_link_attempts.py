"""Failed link attempts: what the person typed, why it failed (staff only) and Caselle's last name; Link for them."""

import html
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import LinkAttempt, LinkedAccount

from ..factories import MembershipFactory, UserFactory
from .audit_helpers import audit_rows

ATTEMPTS = "/office/utility/link-attempts/"
GENERIC = "We couldn't find an account with that customer number and last name or amount."


def text(response) -> str:
    return html.unescape(response.content.decode())


def sample(sim, i=0) -> dict:
    return sim.samples("riverton")[i]


def try_link(client, **data):
    return client.post("/utility/link/", data)


def attempt_of(user) -> LinkAttempt:
    return LinkAttempt.objects.filter(user=user).latest("attempted_at")


# --- what linking records --------------------------------------------------------------------

def test_a_wrong_last_name_keeps_what_was_typed_and_caselles_name_but_tells_the_person_nothing(
        cows, riverton, client_for):
    s = sample(cows)
    response = try_link(client_for(riverton.resident, riverton.tenant), customer_number=s["customer_number"],
                        last_name="  Smyth  ")
    body = text(response)
    assert GENERIC in body and s["last_name"] not in body and "Name does not match" not in body
    attempt = attempt_of(riverton.resident)
    assert (attempt.outcome, attempt.reason, attempt.factor) == ("failed", "name_mismatch", "last_name")
    assert attempt.customer_number == s["customer_number"]
    assert attempt.account_key == s["customer_number"].replace("-", "")
    assert (attempt.tried_last_name, attempt.caselle_last_name) == ("Smyth", s["last_name"])


def test_a_wrong_amount_is_recorded_as_such(cows, riverton, client_for):
    s = sample(cows)
    body = text(try_link(client_for(riverton.resident, riverton.tenant), customer_number=s["customer_number"],
                         last_billed_amount="$1.23"))
    assert GENERIC in body
    attempt = attempt_of(riverton.resident)
    assert (attempt.reason, attempt.factor, attempt.tried_amount) == ("amount_mismatch", "amount", Decimal("1.23"))
    assert attempt.caselle_last_name == s["last_name"]


def test_a_number_caselle_does_not_have_is_no_such_account(cows, riverton, client_for):
    s = sample(cows)
    body = text(try_link(client_for(riverton.resident, riverton.tenant), customer_number="999-9999-99",
                         last_name=s["last_name"]))
    assert GENERIC in body
    attempt = attempt_of(riverton.resident)
    assert (attempt.reason, attempt.caselle_last_name, attempt.customer_number) == ("no_account", "", "999-9999-99")


def test_billing_system_down_and_too_many_tries_are_recorded(cows, riverton, client_for):
    s = sample(cows)
    client = client_for(riverton.resident, riverton.tenant)
    cows.set_fault(operation="account_summary", mode="error", status=503, office="riverton")
    try_link(client, customer_number=s["customer_number"], last_name=s["last_name"])
    assert (attempt_of(riverton.resident).outcome, attempt_of(riverton.resident).reason) == ("unavailable",
                                                                                          "unavailable")
    cows.clear_faults()
    for _ in range(6):
        body = text(try_link(client, customer_number=s["customer_number"], last_name="Wrong"))
    assert "Too many tries" in body
    assert attempt_of(riverton.resident).reason == "rate_limited"


def test_a_successful_link_is_not_a_failed_attempt(cows, riverton, client_for):
    s = sample(cows)
    try_link(client_for(riverton.resident, riverton.tenant), customer_number=s["customer_number"],
             last_name=s["last_name"].upper())
    assert attempt_of(riverton.resident).outcome == "linked" and attempt_of(riverton.resident).reason == ""
    assert "0 failed attempts" in text(client_for(riverton.clerk, riverton.tenant).get(ATTEMPTS))


# --- the screen -------------------------------------------------------------------------------

def failed(city, user, *, number="001-0042-00", reason="name_mismatch", typed="Smyth", caselle="Smith", when=None):
    return LinkAttempt.objects.create(
        tenant=city.tenant, user=user, outcome="failed", customer_number=number,
        account_key=number.replace("-", ""), factor="last_name", tried_last_name=typed, reason=reason,
        caselle_last_name=caselle, attempted_at=when or timezone.now())


def test_the_screen_answers_the_phone_in_one_look(cows, riverton, client_for):
    s = sample(cows)
    try_link(client_for(riverton.resident, riverton.tenant), customer_number=s["customer_number"], last_name="Smyth")
    body = text(client_for(riverton.clerk, riverton.tenant).get(ATTEMPTS))
    assert "1 failed attempt" in body
    row = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    for expected in ("rosa@example.org", s["customer_number"], "last name “Smyth”", "Name does not match",
                     f'<td data-label="Last name in Caselle">{s["last_name"]}</td>', "Link for them"):
        assert expected in row, expected


def test_newest_first_and_filtered_by_person_number_reason_and_city_days(riverton, lakeside, larry, client_for):
    zone = riverton.tenant.zone
    # 11:30 pm on March 1 in Riverton is already March 2 in UTC.
    late = failed(riverton, riverton.resident, number="001-0001-00", when=datetime(2026, 3, 1, 23, 30, tzinfo=zone))
    early = failed(riverton, larry, number="002-0002-00", reason="no_account", caselle="",
                   when=datetime(2026, 3, 2, 0, 30, tzinfo=zone))
    failed(lakeside, lakeside.resident, number="009-0009-00")
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.get(ATTEMPTS))
    assert "2 failed attempts" in body and "009-0009-00" not in body
    assert body.index("002-0002-00") < body.index("001-0001-00")
    for filters, shown, hidden in [({"q": "larry"}, early, late), ({"number": "0010001"}, late, early),
                                   ({"reason": "no_account"}, early, late),
                                   ({"date_from": "2026-03-01", "date_to": "2026-03-01"}, late, early),
                                   ({"date_from": "2026-03-02"}, early, late)]:
        body = text(clerk.get(ATTEMPTS, filters))
        assert shown.customer_number in body and hidden.customer_number not in body, filters


def test_bad_filters_are_said_on_their_field(riverton, client_for):
    failed(riverton, riverton.resident)
    clerk = client_for(riverton.clerk, riverton.tenant)
    body = text(clerk.get(ATTEMPTS, {"date_from": "2026-03-05", "date_to": "2026-03-01"}))
    assert 'id="id_date_to_error"' in body and "The end date is before the start date." in body
    body = text(clerk.get(ATTEMPTS, {"date_from": "yesterday", "reason": "bogus"}))
    assert 'id="id_date_from_error"' in body and 'id="id_reason_error"' in body
    assert "1 failed attempt" in body  # the other filters still apply


def test_fifty_a_page_with_queries_that_do_not_grow(riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)

    def add(n):
        for _ in range(n):
            person = UserFactory()
            MembershipFactory(tenant=riverton.tenant, user=person)
            failed(riverton, person)

    add(2)
    clerk.get(ATTEMPTS)  # the city and the session, read once
    with CaptureQueriesContext(connection) as few:
        clerk.get(ATTEMPTS)
    add(53)
    with CaptureQueriesContext(connection) as many:
        body = text(clerk.get(ATTEMPTS))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "55 failed attempts" in body and "Page 1 of 2" in body and body.count("Link for them<") == 50


# --- Link for them ---------------------------------------------------------------------------

@pytest.fixture
def call(cows, riverton, client_for):
    """Rosa tried her real account with a misspelt last name."""
    s = sample(cows)
    try_link(client_for(riverton.resident, riverton.tenant), customer_number=s["customer_number"], last_name="Smyth")
    attempt = attempt_of(riverton.resident)
    return {"sample": s, "attempt": attempt, "url": f"{ATTEMPTS}{attempt.pk}/link/",
            "clerk": client_for(riverton.clerk, riverton.tenant)}


def test_link_for_them_after_verifying_links_without_the_second_factor(riverton, call, client_for):
    s, clerk = call["sample"], call["clerk"]
    page = text(clerk.get(call["url"]))
    assert "I verified this person's identity" in page and s["last_name"] in page and "Smyth" in page
    assert f'value="{s["customer_number"]}"' in page
    body = text(clerk.post(call["url"], {"customer_number": s["customer_number"], "verified": "on"}, follow=True))
    assert f"Account {s['customer_number']} is now linked to rosa@example.org." in body
    assert LinkedAccount.objects.filter(user=riverton.resident, customer_number=s["customer_number"]).exists()
    assert "Linked now" in body and "Link for them<" not in body
    assert audit_rows(riverton, "portal_user.link_for_them") == [(riverton.clerk, f"account {s['customer_number']}",
                                                                  {})]
    assert s["customer_number"] in text(client_for(riverton.resident, riverton.tenant).get("/utility/"))


@pytest.mark.parametrize("data, field, message", [
    ({"customer_number": "{number}"}, "verified", "Confirm that you verified who the caller is"),
    ({"customer_number": "", "verified": "on"}, "customer_number", "Enter the customer number to link."),
    ({"customer_number": "ABC-1", "verified": "on"}, "customer_number", "A customer number has only digits"),
    ({"customer_number": "999-9999-99", "verified": "on"}, "customer_number",
     "Caselle has no account with this customer number."),
])
def test_bad_input_is_said_on_its_field_and_links_nothing(riverton, call, data, field, message):
    data = {k: v.format(number=call["sample"]["customer_number"]) for k, v in data.items()}
    response = call["clerk"].post(call["url"], data)
    assert response.status_code == 400
    body = text(response)
    assert message in body and f'id="id_{field}_error"' in body
    assert not LinkedAccount.objects.exists() and not audit_rows(riverton, "portal_user.link_for_them")


def test_the_clerk_may_correct_a_mistyped_number(cows, riverton, client_for):
    s = sample(cows, 1)
    try_link(client_for(riverton.resident, riverton.tenant), customer_number="999-9999-99", last_name=s["last_name"])
    url = f"{ATTEMPTS}{attempt_of(riverton.resident).pk}/link/"
    response = client_for(riverton.clerk, riverton.tenant).post(url, {"customer_number": s["customer_number"].replace(
        "-", ""), "verified": "on"})
    assert response.status_code == 302
    assert LinkedAccount.objects.get(user=riverton.resident).customer_number == s["customer_number"]
    listed = text(client_for(riverton.clerk, riverton.tenant).get(ATTEMPTS))
    assert "Linked another account since" in listed  # the mistyped number stays unlinked, and the list says why


def test_an_account_already_linked_is_refused(riverton, call):
    s = call["sample"]
    data = {"customer_number": s["customer_number"], "verified": "on"}
    assert call["clerk"].post(call["url"], data).status_code == 302
    response = call["clerk"].post(call["url"], data)
    assert response.status_code == 400
    assert f"Account {s['customer_number']} is already linked to this person." in text(response)
    assert LinkedAccount.objects.count() == 1 and len(audit_rows(riverton, "portal_user.link_for_them")) == 1


def test_billing_system_down_links_nothing(cows, riverton, call):
    cows.set_fault(operation="account_summary", mode="error", status=503, office="riverton")
    response = call["clerk"].post(call["url"], {"customer_number": call["sample"]["customer_number"], "verified": "on"})
    assert response.status_code == 400 and "cannot be reached right now" in text(response)
    assert not LinkedAccount.objects.exists()


def test_only_this_citys_clerk_may_link_for_them_and_only_a_failed_attempt(cows, riverton, lakeside, call,
                                                                          client_for):
    data = {"customer_number": call["sample"]["customer_number"], "verified": "on"}
    assert client_for(riverton.resident, riverton.tenant).post(call["url"], data).status_code == 404
    assert client_for(lakeside.clerk, lakeside.tenant).post(call["url"], data).status_code == 404
    assert not LinkedAccount.objects.exists()
    linked = LinkAttempt.objects.create(tenant=riverton.tenant, user=riverton.resident, outcome="linked")
    assert call["clerk"].get(f"{ATTEMPTS}{linked.pk}/link/").status_code == 404


def test_the_menu_leads_here(riverton, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    assert f'href="{ATTEMPTS}">Failed link attempts<' in body


def test_times_shown_are_the_citys(riverton, client_for):
    failed(riverton, riverton.resident, when=datetime(2026, 3, 2, 6, 30, tzinfo=UTC))
    body = text(client_for(riverton.clerk, riverton.tenant).get(ATTEMPTS))
    assert "Mar 1, 2026 11:30 PM" in body  # Denver is 7 hours behind UTC in March
