"""The Email log (Admin - Email log, the guide's running list): every email of the city newest first, its status and
SMTP error, filters, the message as sent, Excel export; another city's emails never."""

from __future__ import annotations

import html
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communications.outbox import queue_email
from communications.outbox.models import OutboundEmail

SCREEN = "/office/email-log/"


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def email(city, to="rosa@example.org", subject="Water main work", *, kind="office_notice", state="sent",
          queued=None, error="", account=""):
    queue_email(tenant=city.tenant, kind=kind, to=[to], subject=subject, text="Elm Street is closed on Monday.",
                html="<p>Elm Street is <strong>closed</strong> on Monday.</p><script>alert(1)</script>")
    row = OutboundEmail.objects.filter(tenant=city.tenant).latest("id")
    OutboundEmail.objects.filter(pk=row.pk).update(state=state, last_error=error, account_number=account,
                                                   queued_at=queued or row.queued_at)
    row.refresh_from_db()
    return row


def test_the_log_lists_the_citys_emails_newest_first_with_status_and_error(riverton, lakeside, clerk):
    email(riverton, "old@example.org", "Older", queued=timezone.now() - timedelta(days=2))
    email(riverton, "gone@example.org", "Bounced away", state="failed", error="SMTP 550: Mailbox unavailable")
    email(lakeside, "lena@example.org", "Lakeside news")
    page = text(clerk.get(SCREEN))
    assert "2 emails" in page and "Lakeside news" not in page
    assert page.index("Bounced away") < page.index("Older")
    assert "Failed" in page and "SMTP 550: Mailbox unavailable" in page
    assert "Office notice" in page


def test_filters_by_status_kind_words_and_sending(riverton, clerk):
    email(riverton, "a@example.org", "Rates change", account="001-0042-00")
    email(riverton, "b@example.org", "Hydrant flushing", state="failed", error="SMTP 550: no")
    email(riverton, "c@example.org", "Your receipt", kind="payment_receipt")
    OutboundEmail.objects.filter(to="c@example.org").update(source="bills:7")
    assert "Hydrant flushing" in text(clerk.get(SCREEN, {"state": "failed"}))
    assert "Rates change" not in text(clerk.get(SCREEN, {"state": "failed"}))
    assert "1 email" in text(clerk.get(SCREEN, {"kind": "payment_receipt"}))
    assert "Rates change" in text(clerk.get(SCREEN, {"q": "0042"}))
    only = text(clerk.get(SCREEN, {"source": "bills:7"}))
    assert "1 email" in only and "Your receipt" in only and "Showing only the emails of bills:7." in only


def test_a_sending_is_named_as_the_office_knows_it(riverton, clerk):
    from communications.bill_emails.models import BillEmailRun
    from communications.events.services import event_for

    run = BillEmailRun.objects.create(tenant=riverton.tenant, period_id=38, period_label="2026-12")
    due = event_for(tenant=riverton.tenant, kind="payment_due")
    for source, said in ((run.source, "Email Bills, period 2026-12"),
                         (f"event:{due.id}:2026-12-04", "Payment Due on Dec 4, 2026"),
                         ("test", "tests sent from the email editors")):
        assert f"Showing only the emails of {said}." in text(clerk.get(SCREEN, {"source": source}))


def test_a_bad_filter_is_said_and_the_rest_still_shows(riverton, clerk):
    email(riverton)
    page = text(clerk.get(SCREEN, {"date_from": "2026-13-45", "state": "sent"}))
    assert "Enter a valid date." in page and "1 email" in page


def test_filters_by_the_citys_days(riverton, clerk):
    zone = riverton.tenant.zone
    email(riverton, subject="Late evening", queued=datetime(2026, 3, 10, 23, 30, tzinfo=zone))
    email(riverton, subject="Next morning", queued=datetime(2026, 3, 11, 0, 30, tzinfo=zone))
    page = text(clerk.get(SCREEN, {"date_from": "2026-03-10", "date_to": "2026-03-10"}))
    assert "Late evening" in page and "Next morning" not in page


def test_a_message_shows_as_sent_with_its_html_cleaned(riverton, clerk):
    row = email(riverton)
    page = text(clerk.get(f"{SCREEN}{row.id}/"))
    assert "Water main work" in page and "rosa@example.org" in page and row.message_id in page
    assert "Elm Street is <strong>closed</strong> on Monday." in page
    assert "<script>alert(1)</script>" not in page  # whatever a row holds, the page never runs it
    assert "Elm Street is closed on Monday.\n\n--\nCity of Riverton" in page  # the text part and the city's footer


def test_another_citys_message_is_not_found(riverton, lakeside, clerk):
    other = email(lakeside)
    assert clerk.get(f"{SCREEN}{other.id}/").status_code == 404


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_rows(riverton, clerk):
    email(riverton)
    clerk.get(SCREEN)
    with CaptureQueriesContext(connection) as few:
        text(clerk.get(SCREEN))
    for i in range(30):
        email(riverton, f"p{i}@example.org")
    with CaptureQueriesContext(connection) as many:
        assert "31 emails" in text(clerk.get(SCREEN))
    assert len(many) == len(few)


def test_export_has_every_filtered_email(riverton, clerk):
    for i in range(3):
        email(riverton, f"p{i}@example.org", f"Notice {i}")
    email(riverton, "x@example.org", "Failed one", state="failed", error="SMTP 550: no")
    response = clerk.get(f"{SCREEN}export.xlsx", {"state": "sent"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[3] for r in rows[1:]] == ["p2@example.org", "p1@example.org", "p0@example.org"]
    assert rows[1][2] == "Sent" and rows[1][5] == "Office notice"


def test_residents_do_not_see_the_log(riverton, client_for):
    resident = client_for(riverton.resident, riverton.tenant)
    assert resident.get(SCREEN).status_code == 404
