"""The Audit log screen (Admin - Audit log): the city's entries newest first, filtered by city days, person,
action and words, 50 a page, exported to Excel; before/after shown readably; secrets never."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.test import RequestFactory
from django.utils import timezone

from adminpanel import audit
from adminpanel.models import AuditEntry

SCREEN = "/office/settings/audit/"
EXPORT = "/office/settings/audit/export.xlsx"


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def entry(city, *, local=(2026, 3, 10, 9, 0), who=None, action="settings.portal", summary="Changed the portal",
          target="", changes=None, ip="203.0.113.7"):
    who = who or city.clerk
    return AuditEntry.objects.create(tenant=city.tenant, at=datetime(*local, tzinfo=city.tenant.zone), actor=who,
                                     actor_email=who.email, action=action, summary=summary, target=target,
                                     changes=changes or {}, ip=ip)


def workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def test_entries_are_newest_first_with_who_when_where_and_what_changed(riverton, lakeside, clerk):
    entry(riverton, local=(2026, 3, 9, 8, 0), summary="Older change")
    entry(riverton, local=(2026, 3, 10, 14, 5), summary="Payment settings changed", target="Payment",
          changes={"card_fee_percent": ["2.50", "2.95"], "allow_guest": [False, True], "receipt_subject": ["", "Hi"],
                   "udf_block_card": ["BLOCK CC", "NO CARD"], "cows_url": ["", "https://cows.example.org"]})
    entry(lakeside, summary="Lakeside's own change")
    body = text(clerk.get(SCREEN))
    assert "2 entries" in body
    assert body.index("Payment settings changed") < body.index("Older change")
    assert "Mar 10, 2026 2:05 PM" in body  # the city's time
    assert "carl@riverton.example" in body and "203.0.113.7" in body and "settings.portal" in body
    assert "Card fee percent" in body and "2.50</del>" in body and "2.95</ins>" in body
    assert "Allow guest" in body and "no</del>" in body and "yes</ins>" in body
    assert "(empty)</del>" in body
    assert "UDF block card" in body and "COWS URL" in body  # the office's own abbreviations
    assert "Lakeside's own change" not in body


def test_a_secret_shows_only_that_it_changed(riverton, clerk):
    request = RequestFactory().post("/office/settings/providers/", REMOTE_ADDR="198.51.100.4")
    request.user, request.tenant = riverton.clerk, riverton.tenant
    changes = audit.changes({"stripe_secret_key": "sk_test_old-secret"}, {"stripe_secret_key": "sk_test_new-secret"},
                            secret=["stripe_secret_key"])
    audit.record(request, "settings.providers", "Changed the Stripe keys", changes=changes)
    body = text(clerk.get(SCREEN))
    assert "Stripe secret key" in body and "(changed)</ins>" in body and "198.51.100.4" in body
    assert "sk_test" not in body
    rows = workbook_rows(clerk.get(EXPORT))
    assert "sk_test" not in str(rows) and "Stripe secret key: (set) → (changed)" in str(rows)


def test_a_long_value_wraps_and_is_cut_on_the_screen_but_whole_in_the_export(riverton, clerk):
    body_before = "Dear {name}, " + "your bill is ready. " * 40  # an email body of 813 characters
    entry(riverton, action="email_template.save", summary="Saved an email",
          changes={"body": [body_before, "Short"], "subject": ["Old subject", "New subject"]})
    page = clerk.get(SCREEN).content.decode()
    assert '<td class="wrap audit-changes-cell"' in page  # the column wraps instead of running off
    shown = re.search(r"<del>(.*?)</del>", page, re.S).group(1)
    assert 250 < len(html.unescape(shown)) <= 300 and shown.endswith("…") and body_before.startswith(shown[:-1])
    assert "(shortened here; Export to Excel has the whole text)" in page
    assert "Old subject</del>" in page and "New subject</ins>" in page  # short values as they are
    assert page.count("shortened here") == 1
    rows = workbook_rows(clerk.get(EXPORT))
    assert f"Body: {body_before} → Short" in rows[1][5]


def test_date_range_is_in_city_days(riverton, clerk):
    entry(riverton, local=(2026, 3, 10, 23, 30), summary="Late on the tenth")  # already the 11th in UTC
    entry(riverton, local=(2026, 3, 11, 0, 15), summary="Just after midnight")
    entry(riverton, local=(2026, 3, 9, 12, 0), summary="On the ninth")
    body = text(clerk.get(SCREEN, {"date_from": "2026-03-10", "date_to": "2026-03-10"}))
    assert "1 entry" in body and "Late on the tenth" in body and "Just after midnight" not in body


def test_person_and_action_choose_among_those_in_the_log(riverton, larry, clerk):
    entry(riverton, action="staff.invite", summary="Invited someone")
    entry(riverton, who=larry, action="settings.portal", summary="Larry's change")
    form = clerk.get(SCREEN).context["form"]
    assert [c[0] for c in form.fields["person"].choices] == ["", "carl@riverton.example", "larry@landlords.example"]
    assert [c[0] for c in form.fields["action"].choices] == ["", "settings.portal", "staff.invite"]
    body = text(clerk.get(SCREEN, {"person": "larry@landlords.example"}))
    assert "Larry's change" in body and "Invited someone" not in body
    body = text(clerk.get(SCREEN, {"action": "staff.invite"}))
    assert "Invited someone" in body and "Larry's change" not in body


def test_the_search_looks_in_what_was_done_and_to_what(riverton, clerk):
    entry(riverton, summary="Removed an office admin", target="olga@riverton.example")
    entry(riverton, summary="Changed the fee")
    assert "1 entry" in text(clerk.get(SCREEN, {"q": "OLGA"}))
    assert "1 entry" in text(clerk.get(SCREEN, {"q": "changed fee"}))
    assert "0 entries" in text(clerk.get(SCREEN, {"q": "refund"}))


@pytest.mark.parametrize("query, field, message, shown", [
    ({"date_from": "2026-03-10", "date_to": "2026-03-09", "q": "Kept"}, "date_to",
     "The end date is before the start date.", "1 entry"),
    ({"date_from": "10/03/2026x", "q": "Kept"}, "date_from", "Enter a valid date.", "1 entry"),
    ({"person": "someone@else.example", "q": "Kept"}, "person", "Select a valid choice.", "1 entry"),
    ({"action": "drop.table", "q": "Kept"}, "action", "Select a valid choice.", "1 entry"),
    ({"q": "x" * 101, "action": "settings.portal"}, "q", "at most 100 characters", "2 entries"),
])
def test_a_bad_filter_is_reported_on_its_field_and_the_others_still_apply(riverton, clerk, query, field, message,
                                                                          shown):
    entry(riverton, summary="Kept by the search")
    entry(riverton, summary="Left out by the search")
    entry(riverton, summary="Another action", action="staff.invite")
    body = text(clerk.get(SCREEN, query))
    assert f'id="id_{field}_error"' in body and message in body
    assert shown in body and "Kept by the search" in body and "Another action" not in body


def test_fifty_a_page(riverton, clerk):
    for n in range(53):
        entry(riverton, local=(2026, 3, 10, 9, 0), summary=f"Change number {n:02d}")
    first = text(clerk.get(SCREEN))
    assert "53 entries" in first and first.count("Change number") == 50 and "Page 1 of 2" in first
    second = text(clerk.get(SCREEN, {"page": 2}))
    assert second.count("Change number") == 3


@pytest.mark.parametrize("count", [3, 60])
def test_query_count_does_not_grow_with_the_entries(riverton, clerk, django_assert_max_num_queries, count):
    for n in range(count):
        entry(riverton, summary=f"Change {n}", changes={"field": [n, n + 1]})
    clerk.get(SCREEN)
    with django_assert_max_num_queries(6):
        body = text(clerk.get(SCREEN))
    assert body.count("<dt>Field</dt>") == min(count, 50)
    with django_assert_max_num_queries(5):
        rows = workbook_rows(clerk.get(EXPORT))
    assert len(rows) == count + 1


def test_the_export_has_exactly_the_filtered_entries_every_page(riverton, lakeside, clerk):
    for n in range(55):
        entry(riverton, action="staff.invite", summary=f"Invite {n}", target=f"p{n}@example.org")
    entry(riverton, action="settings.portal", summary="=HYPERLINK(\"http://evil.example\")",
          changes={"welcome": ["Hi", "Hello"]})
    entry(lakeside, action="staff.invite", summary="Lakeside's")
    response = clerk.get(EXPORT, {"action": "staff.invite", "page": "1"})
    assert 'filename="audit-log-riverton-' in response["Content-Disposition"]
    rows = workbook_rows(response)
    assert rows[0] == ("When", "Person", "Action", "What was done", "Done to", "Changes (before → after)",
                       "From address")
    assert len(rows) == 56 and {r[2] for r in rows[1:]} == {"Staff: invited"}
    assert rows[1][0] == datetime(2026, 3, 10, 9, 0)  # a real date, the city's time
    formula = workbook_rows(clerk.get(EXPORT, {"action": "settings.portal"}))[1]
    assert formula[3] == "=HYPERLINK(\"http://evil.example\")" and formula[5] == "Welcome: Hi → Hello"


def test_the_log_cannot_be_changed_from_the_screen(riverton, clerk):
    kept = entry(riverton)
    assert clerk.post(SCREEN, {"id": kept.id}).status_code == 405
    assert clerk.delete(SCREEN).status_code == 405
    assert AuditEntry.objects.get(pk=kept.pk).summary == kept.summary


def test_it_is_404_to_residents_and_another_citys_clerk(riverton, lakeside, client_for):
    entry(riverton)
    for user in (riverton.resident, lakeside.clerk):
        client = client_for(user, riverton.tenant)
        assert client.get(SCREEN).status_code == 404 and client.get(EXPORT).status_code == 404


def test_an_admins_writes_land_in_the_log_as_they_happen(riverton, clerk):
    """The staff screen's own writes, read back through the screen."""
    from ..factories import PASSWORD

    clerk.post("/accounts/reauthenticate/", {"password": PASSWORD})
    clerk.post("/office/settings/staff/invite/", {"email": "nina@example.org"})
    body = text(clerk.get(SCREEN, {"action": "staff.invite"}))
    assert "Invited nina@example.org to be an office admin" in body
    assert timezone.localtime(timezone.now(), riverton.tenant.zone).strftime("%b %-d, %Y") in body
    assert timedelta(0) <= timezone.now() - AuditEntry.objects.get(action="staff.invite").at < timedelta(minutes=1)
