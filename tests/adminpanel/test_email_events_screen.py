"""Admin → Email Events: the two events with their next and last runs; editing one, refusing bad input, audited."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adminpanel.models import AuditEntry
from communications.events.models import EmailEvent, EventRun
from communications.events.runs import make_runs
from communications.events.services import city_events

URL = "/office/settings/email-events/"
DENVER = ZoneInfo("America/Denver")
MORNING = datetime(2026, 3, 5, 10, 0, tzinfo=DENVER)  # a Thursday, after the day's 6:00 runs


def edit_url(kind: str) -> str:
    return f"{URL}{kind}/"


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def row(body: str, kind: str) -> str:
    return body.split(f'<tr id="event-{kind}">', 1)[1].split("</tr>", 1)[0]


def test_the_screen_shows_both_events_as_the_guide_sets_them(riverton, clerk):
    with time_machine.travel(MORNING, tick=False):
        body = clerk.get(URL).content.decode()
    due, past = row(body, "payment_due"), row(body, "past_due")
    assert "Payment Due" in due and ">On<" in due and "6:00 AM" in due and "3 days before the due date" in due
    assert "Past Due" in past and "1 day after the due date" in past
    assert '<a href="/office/settings/emails/payment_reminder/">Payment reminder</a>' in due
    assert '<a href="/office/settings/emails/past_due/">Past due</a>' in past
    for r in (due, past):  # the weekday means nothing for these two
        assert "—" in r and "Not used: sent every day" in r
        assert "Mar 6, 2026 6:00 AM" in r  # today's 6:00 is gone: tomorrow, in the city's time
        assert "Not run yet" in r


def test_the_last_run_shows_how_many_emails_and_when(riverton, clerk):
    payment_due, past_due = city_events(tenant=riverton.tenant)
    EventRun.objects.create(tenant=riverton.tenant, event=payment_due, run_date=date(2026, 3, 5),
                            due_at=datetime(2026, 3, 5, 13, 0, tzinfo=ZoneInfo("UTC")), state="done",
                            finished_at=datetime(2026, 3, 5, 13, 0, 4, tzinfo=ZoneInfo("UTC")), sent=12, accounts=9)
    EventRun.objects.create(tenant=riverton.tenant, event=past_due, run_date=date(2026, 3, 5),
                            due_at=datetime(2026, 3, 5, 13, 0, tzinfo=ZoneInfo("UTC")), state="failed",
                            finished_at=datetime(2026, 3, 6, 7, 0, tzinfo=ZoneInfo("UTC")),
                            error="The day ended before the emails could be sent (Caselle did not answer).")
    with time_machine.travel(MORNING, tick=False):
        body = clerk.get(URL).content.decode()
    assert "12 emails, Mar 5, 2026 6:00 AM" in row(body, "payment_due")
    assert "Failed" in row(body, "past_due") and "Caselle did not answer" in row(body, "past_due")


def test_the_clerk_changes_time_and_days_and_the_next_run_follows(riverton, clerk):
    with time_machine.travel(datetime(2026, 3, 5, 5, 0, tzinfo=DENVER), tick=False):
        make_runs(tenant=riverton.tenant, day=date(2026, 3, 5))  # today's 6:00 run is made, not started
        assert "Mar 5, 2026 6:00 AM" in row(clerk.get(URL).content.decode(), "payment_due")
        response = clerk.post(edit_url("payment_due"), {"enabled": "on", "send_at": "07:00", "days": "2"}, follow=True)
        body = response.content.decode()
    assert "The Email Event “Payment Due” was saved." in body
    assert "7:00 AM" in row(body, "payment_due") and "2 days before the due date" in row(body, "payment_due")
    assert "Mar 5, 2026 7:00 AM" in row(body, "payment_due")
    event = EmailEvent.objects.get(tenant=riverton.tenant, kind="payment_due")
    assert (event.send_at, event.days, event.enabled) == (time(7, 0), 2, True)
    assert event.updated_by == riverton.clerk
    # Today's run that had not started is made again at the new time by the next sweep.
    assert not EventRun.objects.filter(event=event, state="due").exists()
    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="email_event.save")
    assert entry.actor == riverton.clerk and entry.target == "Payment Due"
    assert entry.changes == {"send_at": ["06:00:00", "07:00:00"], "days": [3, 2]}


def test_turning_an_event_off_shows_no_next_run(riverton, clerk):
    body = clerk.post(edit_url("past_due"), {"send_at": "06:00", "days": "1"}, follow=True).content.decode()
    assert ">Off<" in row(body, "past_due") and "Not scheduled (off)" in row(body, "past_due")
    assert AuditEntry.objects.get(action="email_event.save").changes == {"enabled": [True, False]}


def test_saving_the_same_values_changes_nothing_and_logs_nothing(riverton, clerk):
    body = clerk.post(edit_url("past_due"), {"enabled": "on", "send_at": "06:00", "days": "1"},
                      follow=True).content.decode()
    assert "Nothing changed." in body and not AuditEntry.objects.filter(action="email_event.save").exists()


def test_saving_without_a_change_still_says_it_was_saved(riverton, clerk):
    body = clerk.post(edit_url("past_due"), {"enabled": "on", "send_at": "06:00", "days": "1"},
                      follow=True).content.decode()
    assert '<p class="message message-success">The Email Event “Past Due” was saved. Nothing changed.</p>' in body


@pytest.mark.parametrize("data, field, message", [
    ({"send_at": "25:00", "days": "3"}, "send_at", "Enter a time of day between 00:00 and 23:59, such as 06:00."),
    ({"send_at": "6 o'clock", "days": "3"}, "send_at", "Enter a time of day between 00:00 and 23:59, such as 06:00."),
    ({"send_at": "", "days": "3"}, "send_at", "Enter the time of day, such as 06:00."),
    ({"send_at": "06:00", "days": "-1"}, "days", "Enter a whole number of days from 0 to 30."),
    ({"send_at": "06:00", "days": "99"}, "days", "Enter a whole number of days from 0 to 30."),
    ({"send_at": "06:00", "days": "2.5"}, "days", "Enter a whole number of days from 0 to 30."),
    ({"send_at": "06:00", "days": ""}, "days", "Enter a whole number of days from 0 to 30."),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(riverton, clerk, data, field, message):
    response = clerk.post(edit_url("payment_due"), {"enabled": "on", **data})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved. Please correct the fields marked below." in body
    assert f'<div class="errors" id="id_{field}_error"><p>{message}</p></div>' in body
    assert f'value="{escape(data[field])}"' in body or not data[field]  # what was typed is shown again to correct
    event = EmailEvent.objects.get(tenant=riverton.tenant, kind="payment_due")
    assert (event.send_at, event.days, event.enabled) == (time(6, 0), 3, True)
    assert not AuditEntry.objects.filter(tenant=riverton.tenant).exists()


def test_another_city_s_clerk_and_residents_get_404(riverton, lakeside, larry, client_for):
    city_events(tenant=riverton.tenant)
    for person, tenant in ((lakeside.clerk, riverton.tenant), (riverton.resident, riverton.tenant),
                           (larry, riverton.tenant)):
        client = client_for(person, tenant)
        assert client.get(URL).status_code == 404
        assert client.get(edit_url("payment_due")).status_code == 404
        assert client.post(edit_url("payment_due"), {"send_at": "07:00", "days": "1"}).status_code == 404
    assert EmailEvent.objects.get(tenant=riverton.tenant, kind="payment_due").send_at == time(6, 0)


def test_lakeside_s_clerk_edits_only_lakeside_s_events(riverton, lakeside, client_for):
    lars = client_for(lakeside.clerk, lakeside.tenant)
    assert lars.post(edit_url("payment_due"), {"enabled": "on", "send_at": "08:15", "days": "5"}).status_code == 302
    assert EmailEvent.objects.get(tenant=lakeside.tenant, kind="payment_due").send_at == time(8, 15)
    assert city_events(tenant=riverton.tenant)[0].send_at == time(6, 0)


def test_an_unknown_event_is_404(clerk):
    assert clerk.get(edit_url("weekly_newsletter")).status_code == 404


def test_the_screen_s_query_count_does_not_grow_with_its_runs(riverton, clerk):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert clerk.get(URL).status_code == 200
        return len(queries)

    events = city_events(tenant=riverton.tenant)
    count()  # the session and the person are cached after the first page
    few = count()
    for n in range(1, 40):
        for event in events:
            EventRun.objects.create(tenant=riverton.tenant, event=event, run_date=date(2026, 1, 1) + timedelta(days=n),
                                    due_at=datetime(2026, 1, 1, 13, tzinfo=ZoneInfo("UTC")), state="done", sent=n,
                                    finished_at=datetime(2026, 1, 1, 13, tzinfo=ZoneInfo("UTC")))
    assert count() == few
