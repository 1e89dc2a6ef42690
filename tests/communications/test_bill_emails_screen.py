"""Utility Admin → Email Bills: per period, how many bills were queued, sent, failed, waiting and unsubscribed."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from communications.bill_emails.models import BillEmailAccount, BillEmailRun
from communications.outbox.models import OutboundEmail

URL = "/office/utility/email-bills/"


def make_run(city, period_id: int, *, accounts: dict[str, int], emails: dict[str, int], days_ago: int = 0):
    """A run of `city` with that many accounts in each state and that many outbox rows in each state."""
    run = BillEmailRun.objects.create(tenant=city.tenant, period_id=period_id, period_label=f"2026-{period_id:02d}",
                                      state="done", started_at=timezone.now() - timedelta(days=days_ago))
    n = 0
    for state, count in accounts.items():
        for _ in range(count):
            n += 1
            BillEmailAccount.objects.create(tenant=city.tenant, run=run, account_key=f"{period_id}{n:04d}",
                                            customer_number=f"{period_id}-{n:04d}", state=state)
    for state, count in emails.items():
        for i in range(count):
            OutboundEmail.objects.create(tenant=city.tenant, kind="bill_utility", category="bills",
                                         to=f"{state}{i}-{period_id}@example.org", subject="Your bill", text="Bill",
                                         key=f"bill:{period_id}:{state}{i}", source=run.source, state=state,
                                         message_id=f"<{period_id}{state}{i}@example.org>")
    return run


def cells(body: str, period: str) -> list[str]:
    """The text of each cell in the row of that period."""
    row = re.search(rf"<tr>\s*<td>{period}</td>(.*?)</tr>", body, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", html.unescape(c)).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_each_period_shows_its_accounts_and_what_became_of_its_emails(riverton, client_for):
    run = make_run(riverton, 11, accounts={"queued": 4, "waiting_pdf": 1, "gave_up": 1, "no_address": 1},
                   emails={"sent": 3, "failed": 1, "bounced": 1, "suppressed": 1, "queued": 1})
    make_run(riverton, 10, accounts={"queued": 1}, emails={"sent": 2}, days_ago=31)

    client = client_for(riverton.clerk, riverton.tenant)
    body = client.get(URL).content.decode()

    # Started, status, paperless accounts, emails queued, sent, failed, waiting for the PDF, unsubscribed, log.
    started, status, *figures, log = cells(body, "2026-11")
    assert status == "Done 1 bill PDF never came 1 account with no bill or no address"
    assert figures == ["7", "7", "3", "2", "1", "1"]
    assert cells(body, "2026-10")[2:8] == ["1", "2", "2", "0", "0", "0"]
    assert body.index("2026-11") < body.index("2026-10")  # newest first
    log_url = reverse("adminpanel:email_log") + "?source=bills%3A11"
    assert f'href="{html.escape(log_url)}"' in body and run.source == "bills:11"
    log = client.get(log_url).content.decode()
    assert "failed0-11@example.org" in log and "sent0-10@example.org" not in log


def test_another_citys_runs_are_not_shown_and_its_clerk_gets_404(riverton, lakeside, client_for):
    make_run(lakeside, 9, accounts={"queued": 1}, emails={"sent": 1})
    make_run(riverton, 11, accounts={"queued": 1}, emails={"sent": 1})

    body = client_for(riverton.clerk, riverton.tenant).get(URL).content.decode()
    assert "2026-11" in body and "2026-09" not in body
    assert client_for(lakeside.clerk, riverton.tenant).get(URL).status_code == 404
    assert client_for(riverton.resident, riverton.tenant).get(URL).status_code == 404


def test_a_run_waiting_for_cows_says_why_in_plain_words(riverton, client_for):
    run = make_run(riverton, 11, accounts={}, emails={})
    BillEmailRun.objects.filter(pk=run.pk).update(state="walking", last_error="unavailable")
    client = client_for(riverton.clerk, riverton.tenant)
    assert cells(client.get(URL).content.decode(), "2026-11")[1] == (
        "Waiting for Caselle The billing system (Caselle) could not be reached; the portal tries again every few "
        "minutes.")
    BillEmailRun.objects.filter(pk=run.pk).update(last_error="auth_failed")
    assert cells(client.get(URL).content.decode(), "2026-11")[1] == (
        "Waiting for Caselle The billing system (Caselle) refused the portal's COWS key: check it in Admin → COWS. "
        "The portal tries again every few minutes.")


def test_a_run_that_kept_the_error_s_text_before_says_it_plainly_too(riverton, client_for):
    run = make_run(riverton, 11, accounts={}, emails={})
    BillEmailRun.objects.filter(pk=run.pk).update(state="walking",
                                                  last_error="COWS could not be reached (ConnectionError)")
    status = cells(client_for(riverton.clerk, riverton.tenant).get(URL).content.decode(), "2026-11")[1]
    assert status.startswith("Waiting for Caselle The billing system (Caselle) could not be reached")
    assert "ConnectionError" not in status and "Sending" not in status


def test_a_city_with_no_runs_yet_is_told_when_they_start(riverton, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get(URL).content.decode()
    assert "No bills have been emailed yet" in body


def test_the_period_filter_finds_one_period(riverton, client_for):
    make_run(riverton, 11, accounts={"queued": 1}, emails={"sent": 1})
    make_run(riverton, 10, accounts={"queued": 1}, emails={"sent": 1})
    body = client_for(riverton.clerk, riverton.tenant).get(URL, {"period": "2026-10"}).content.decode()
    assert "<td>2026-10</td>" in body and "<td>2026-11</td>" not in body


def test_the_query_count_does_not_grow_with_the_number_of_periods(riverton, client_for):
    client = client_for(riverton.clerk, riverton.tenant)
    make_run(riverton, 1, accounts={"queued": 2}, emails={"sent": 2})
    client.get(URL)  # warm the city's caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for period in range(2, 9):
        make_run(riverton, period, accounts={"queued": 2, "waiting_pdf": 1}, emails={"sent": 1, "failed": 1})
    with CaptureQueriesContext(connection) as eight:
        body = client.get(URL).content.decode()
    assert body.count("<td>2026-0") == 8
    assert len(eight) == len(one)


def test_send_again_queues_one_copy_of_each_failed_email_and_the_figures_count_the_copy(riverton, client_for):
    from adminpanel.models import AuditEntry
    from communications.outbox.delivery import deliver_due

    run = make_run(riverton, 11, accounts={"queued": 3}, emails={"sent": 1, "failed": 2, "bounced": 1})
    client = client_for(riverton.clerk, riverton.tenant)
    url = reverse("adminpanel:bill_emails_send_again", kwargs={"run_id": run.pk})
    assert "Send again to the failed ones" in client.get(URL).content.decode()

    response = client.post(url, follow=True)
    assert "3 bill emails of period 2026-11 will be sent again." in html.unescape(response.content.decode())
    again = OutboundEmail.objects.filter(tenant=riverton.tenant, key__endswith=":again")
    assert sorted(again.values_list("to", "state")) == [("bounced0-11@example.org", "queued"),
                                                         ("failed0-11@example.org", "queued"),
                                                         ("failed1-11@example.org", "queued")]
    assert client.post(url).status_code == 302 and again.count() == 3  # a second click queues nothing more
    entry = AuditEntry.objects.filter(tenant=riverton.tenant, action="bill_emails.send_again").first()
    assert entry.actor == riverton.clerk and "period 2026-11" in entry.summary

    deliver_due(tenant=riverton.tenant)
    body = client.get(URL).content.decode()
    assert cells(body, "2026-11")[2:8] == ["3", "4", "4", "0", "0", "0"]  # the copies, not the failures, count
    assert "Send again to the failed ones" not in body


def test_send_again_is_refused_for_another_citys_run(riverton, lakeside, client_for):
    run = make_run(lakeside, 11, accounts={"queued": 1}, emails={"failed": 1})
    url = reverse("adminpanel:bill_emails_send_again", kwargs={"run_id": run.pk})
    assert client_for(riverton.clerk, riverton.tenant).post(url).status_code == 404
    assert not OutboundEmail.objects.filter(key__endswith=":again").exists()


def test_export_to_excel_has_the_filtered_periods_with_their_figures(riverton, client_for):
    from io import BytesIO

    from openpyxl import load_workbook

    make_run(riverton, 11, accounts={"queued": 2, "no_address": 1}, emails={"sent": 2, "failed": 1})
    make_run(riverton, 10, accounts={"queued": 1}, emails={"sent": 1})
    response = client_for(riverton.clerk, riverton.tenant).get("/office/utility/email-bills/export.xlsx",
                                                               {"period": "2026-11"})
    assert response["Content-Disposition"].startswith('attachment; filename="email-bills-riverton-')
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("Period", "Started", "Status", "Paperless accounts")
    assert [r[:1] + r[2:] for r in rows[1:]] == [("2026-11", "Done", 3, 3, 2, 1, 0, 0, 0, 1)]
