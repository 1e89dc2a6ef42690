"""Admin → Create Communications: compose, bad input, search and pick, preview, a test, Send, progress, the list."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adminpanel.models import AuditEntry
from communications.campaigns import queuing
from communications.campaigns.models import Campaign
from billing.accounts.models import AccountSnapshot
from communications.outbox.models import OutboundEmail
from communications.services import post_communication
from customers.models import LinkedAccount

from ..communications.campaign_helpers import make_people
from ..communications.conftest import PDF
from .audit_helpers import audit_rows

LIST, NEW = "/office/campaigns/", "/office/campaigns/new/"
WORDS = {"subject": "Spring newsletter for {first_name}", "body": "<p>Hello {first_name}, news from {city}.</p>",
         "attachment": "none", "audience": "all"}


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


def compose(clerk, action="review", url=NEW, **fields):
    return clerk.post(url, {**WORDS, "action": action, **fields})


def test_the_compose_page_has_the_editor_the_attachment_and_the_audience(clerk):
    body = text(clerk.get(NEW))
    assert "data-rich-text" in body and "js/rich_text.js" in body
    for words in ("A current Utility Communication", "A PDF from my computer", "All portal users",
                  "All Utility Billing users (portal users with a linked account)", "Chosen people", "Find people",
                  "Review and send", "Preview", "Send me a test (carl@riverton.example)"):
        assert words in body
    assert '<a href="/office/campaigns/" aria-current="page">Create Communications</a>' in body


def test_review_saves_a_draft_and_send_says_how_many_then_sends_once_with_one_task(
        riverton, clerk, django_capture_on_commit_callbacks):
    make_people(riverton.tenant, 3)
    response = compose(clerk)
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/campaigns/{campaign.pk}/send/"
    confirm = text(clerk.get(response["Location"]))
    assert "It will be emailed to 5 people (All portal users)." in confirm and "Send to 5 people" in confirm
    with django_capture_on_commit_callbacks() as callbacks:
        sent = clerk.post(f"/office/campaigns/{campaign.pk}/send/")
    assert sent["Location"] == f"/office/campaigns/{campaign.pk}/"
    assert len(callbacks) == 1  # one task for the whole campaign, never one per person
    campaign.refresh_from_db()
    assert (campaign.state, campaign.recipient_count, campaign.sent_by) == ("queuing", 5, riverton.clerk)
    assert audit_rows(riverton, "campaign.send") == [
        (riverton.clerk, f"campaign {campaign.pk}", {})]
    again = clerk.post(f"/office/campaigns/{campaign.pk}/send/")
    assert again["Location"] == f"/office/campaigns/{campaign.pk}/" and len(audit_rows(riverton, "campaign.send")) == 1
    assert clerk.get(f"/office/campaigns/{campaign.pk}/edit/")["Location"] == f"/office/campaigns/{campaign.pk}/"


@pytest.mark.parametrize("fields, message", [
    ({"subject": ""}, "Enter a subject."),
    ({"subject": "<b>Elm</b> Street news"}, "Type plain text: remove the HTML tag that starts with “<b”."),
    ({"subject": "News<script>x()</script>"}, "Type plain text: remove the HTML tag that starts with “<script”."),
    ({"body": "<script>alert(1)</script>"}, "Enter the body of the email."),
    ({"body": "<p>{balance}</p>"}, "{balance} is not a variable of this email"),
    ({"audience": "chosen"}, "Search for and tick at least one person, or choose another audience."),
    ({"attachment": "communication"}, "Choose one of the current communications."),
    ({"attachment": "upload"}, "Choose a PDF file to attach."),
    ({"attachment": "upload", "pdf": SimpleUploadedFile("rates.pdf", b"<html>rates</html>")},
     "This file is not a PDF. Save or export the document as a PDF and upload that file."),
    ({"chosen": "999999", "audience": "chosen"}, "Someone ticked is not a portal user of this city: search again."),
])
def test_bad_input_is_explained_and_nothing_is_saved(clerk, fields, message):
    response = compose(clerk, **fields)
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved or sent." in body and message in body
    assert not Campaign.objects.exists() and not OutboundEmail.objects.exists()


def test_a_30_mb_pdf_is_refused_with_its_size(clerk):
    big = SimpleUploadedFile("rates.pdf", b"%PDF-" + b"0" * (30 * 1024 * 1024 - 5), content_type="application/pdf")
    response = compose(clerk, attachment="upload", pdf=big)
    assert response.status_code == 400
    assert "The file is 30.0 MB; the limit is 20 MB." in text(response) and not Campaign.objects.exists()


def test_an_uploaded_pdf_is_used_only_with_the_upload_choice_and_the_clerk_is_told(riverton, clerk):
    page = text(clerk.get(NEW))
    assert '<legend>Attachment</legend>' in page and "js/campaign_compose.js" in page
    assert '<div data-attachment-for="communication">' in page and '<div data-attachment-for="upload">' in page
    communication = post_communication(tenant=riverton.tenant, pdf_bytes=PDF, filename="rates.pdf",
                                       description="2026 Water Rates", acting_user=riverton.clerk)
    pdf = SimpleUploadedFile("mine.pdf", PDF, content_type="application/pdf")
    response = compose(clerk, "save", attachment="communication", communication=str(communication.pk), pdf=pdf)
    campaign = Campaign.objects.get()
    assert (campaign.communication, bool(campaign.pdf), campaign.pdf_filename) == (communication, False, "")
    told = "The PDF file you chose was not attached: choose “A PDF from my computer” to attach it."
    assert told in text(clerk.get(response["Location"]))
    pdf = SimpleUploadedFile("mine.pdf", PDF, content_type="application/pdf")
    response = compose(clerk, "save", url=f"/office/campaigns/{campaign.pk}/edit/", attachment="none", pdf=pdf)
    campaign.refresh_from_db()
    assert (campaign.communication, bool(campaign.pdf)) == (None, False)
    assert told in text(clerk.get(response["Location"]))
    pdf = SimpleUploadedFile("mine.pdf", PDF, content_type="application/pdf")
    response = compose(clerk, "save", url=f"/office/campaigns/{campaign.pk}/edit/", attachment="upload", pdf=pdf)
    campaign.refresh_from_db()
    assert (campaign.pdf_filename, campaign.pdf.read()) == ("mine.pdf", PDF)
    assert told not in text(clerk.get(response["Location"]))


def test_a_script_in_the_body_is_removed_before_anyone_sees_it(clerk):
    response = compose(clerk, "preview", body='<p>Rates<script>alert("x")</script> <b>rise</b></p>')
    campaign = Campaign.objects.get()
    assert campaign.body == "<p>Rates <strong>rise</strong></p>"
    preview = text(clerk.get(response["Location"]))
    assert "<p>Rates <strong>rise</strong></p>" in preview and 'alert("x")' not in preview


def test_preview_and_the_test_are_written_for_a_named_customer_not_the_nameless_clerk(riverton, clerk):
    riverton.clerk.first_name = ""
    riverton.clerk.save()
    response = compose(clerk, "preview", body="<p>Dear {first_name}, the new water rates</p>")
    campaign = Campaign.objects.get()
    assert response["Location"] == f"/office/campaigns/{campaign.pk}/edit/?preview=1#preview"
    body = text(clerk.get(response["Location"]))
    assert "Spring newsletter for Rosa" in body and "<p>Dear Rosa, the new water rates</p>" in body
    assert "As rosa@example.org would receive it" in body and "Dear ," not in body
    assert not OutboundEmail.objects.exists() and campaign.state == "draft"
    compose(clerk, "test", url=f"/office/campaigns/{campaign.pk}/edit/",
            body="<p>Dear {first_name}, the new water rates</p>")
    assert "<p>Dear Rosa, the new water rates</p>" in OutboundEmail.objects.get().html


def test_preview_with_nobody_named_is_a_marked_sample_greeting_the_customer(riverton, clerk):
    riverton.resident.first_name = ""
    riverton.resident.save()
    compose(clerk, "preview", body="<p>Dear {first_name}, the new water rates</p>")
    campaign = Campaign.objects.get()
    body = text(clerk.get(f"/office/campaigns/{campaign.pk}/edit/?preview=1"))
    assert "<p>Dear Customer, the new water rates</p>" in body
    assert "A sample: as a person with no name on file would receive it" in body
    LinkedAccount.objects.create(tenant=riverton.tenant, user=riverton.resident, account_key="10014",
                                 customer_number="001-0014-00")
    AccountSnapshot.objects.create(tenant=riverton.tenant, account_key="10014",
                                   data={"first_name": "Doris", "last_name": "Hayes"})
    body = text(clerk.get(f"/office/campaigns/{campaign.pk}/edit/?preview=1"))
    assert "<p>Dear Doris, the new water rates</p>" in body and "As rosa@example.org would receive it" in body


def test_with_chosen_people_preview_and_test_are_written_for_the_first_one_listed(riverton, clerk):
    zed, ann = make_people(riverton.tenant, 1, prefix="zed")[0], make_people(riverton.tenant, 1, prefix="ann")[0]
    ann.first_name, ann.last_name = "Ann", "Avery"
    ann.save()
    words = {"audience": "chosen", "chosen": [str(zed.pk), str(ann.pk)], "subject": "For {name}",
             "body": "<p>Hello {first_name}</p>"}
    response = compose(clerk, "preview", **words)
    campaign = Campaign.objects.get()
    body = text(clerk.get(response["Location"]))
    listed = re.findall(r'<input type="checkbox" name="chosen" value="(\d+)"', body)
    assert listed == [str(ann.pk), str(zed.pk)]  # the form lists the chosen by email: ann0@ before zed0@
    assert "As ann0@riverton.example would receive it" in body and "<p>Hello Ann</p>" in body
    assert "rosa@example.org" not in body and "Rosa" not in body
    compose(clerk, "test", url=f"/office/campaigns/{campaign.pk}/edit/", **words)
    [row] = OutboundEmail.objects.all()
    assert row.to == riverton.clerk.email and "<p>Hello Ann</p>" in row.html
    assert row.subject == "[Test] For Ann Avery"
    compose(clerk, "preview", url=f"/office/campaigns/{campaign.pk}/edit/", **{**words, "audience": "all"})
    assert "As rosa@example.org would receive it" in text(clerk.get(response["Location"]))  # the rule otherwise


def test_send_me_a_test_goes_to_the_clerk_only(riverton, clerk):
    make_people(riverton.tenant, 3)
    response = compose(clerk, "test")
    campaign = Campaign.objects.get()
    assert response["Location"] == f"/office/campaigns/{campaign.pk}/edit/"
    assert [m.to for m in mail.outbox] == [[riverton.clerk.email]]
    assert mail.outbox[0].subject.startswith("[Test] Spring newsletter for ")
    [row] = OutboundEmail.objects.all()
    assert (row.kind, row.source, row.subject) == ("campaign_test", "test", mail.outbox[0].subject)
    assert "A test was sent to carl@riverton.example." in text(clerk.get(response["Location"]))
    assert "Mass email (test)" in text(clerk.get("/office/email-log/"))
    assert audit_rows(riverton, "campaign.test") == [(riverton.clerk, f"campaign {campaign.pk}", {})]
    assert Campaign.objects.get().state == "draft"


def test_search_and_pick_one_customer(riverton, lakeside, clerk):
    riverton.resident.first_name, riverton.resident.last_name = "Rosa", "Rivera"
    riverton.resident.save()
    found = compose(clerk, "search", q="rosa riv", audience="chosen", subject="")
    body = text(found)
    assert found.status_code == 200 and "1 person found." in body and "Enter a subject." not in body
    assert f'value="{riverton.resident.pk}"' in body and "Rosa Rivera <rosa@example.org>" in body
    assert not Campaign.objects.exists()
    assert "0 people found." in text(compose(clerk, "search", q=lakeside.resident.email))
    LinkedAccount.objects.create(tenant=riverton.tenant, user=riverton.resident, account_key="10014",
                                 customer_number="001-0014-00")
    AccountSnapshot.objects.create(tenant=riverton.tenant, account_key="10014",
                                   data={"first_name": "Doris", "last_name": "Hayes"})
    for query in ("Hayes", "Doris", "001-0014-00"):  # the account holder's name, as Portal Users finds them
        assert "1 person found." in text(compose(clerk, "search", q=query, audience="chosen")), query
    response = compose(clerk, audience="chosen", chosen=str(riverton.resident.pk))
    assert "It will be emailed to 1 person (Chosen people)." in text(clerk.get(response["Location"]))
    campaign = Campaign.objects.get()
    assert list(campaign.chosen.all()) == [riverton.resident]
    edit = text(clerk.get(f"/office/campaigns/{campaign.pk}/edit/"))
    [tag] = re.findall(r'<input type="checkbox" name="chosen" [^>]*>', edit)
    assert f'value="{riverton.resident.pk}"' in tag and "checked" in tag
    sent = text(clerk.post(f"/office/campaigns/{campaign.pk}/send/", follow=True))
    assert "Sending to 1 person." in sent and "1 people" not in sent
    summary = AuditEntry.objects.get(tenant=riverton.tenant, action="campaign.send").summary
    assert summary == "Sent the mass email “Spring newsletter for {first_name}” to 1 person."


def _send(riverton, clerk, **fields) -> Campaign:
    compose(clerk, **fields)
    campaign = Campaign.objects.latest("pk")
    clerk.post(f"/office/campaigns/{campaign.pk}/send/")
    campaign.refresh_from_db()
    return campaign


def test_the_progress_bar_follows_the_campaign_and_stops_polling_when_done(riverton, clerk):
    make_people(riverton.tenant, 8)
    campaign = _send(riverton, clerk)
    page = text(clerk.get(f"/office/campaigns/{campaign.pk}/"))
    assert 'aria-live="polite"' in page and 'hx-trigger="every 2s"' in page
    assert '<progress id="campaign-bar" max="100" value="0">0%</progress>' in page and "0 of 10 done (0%)." in page
    queuing.queue_chunk(campaign_id=campaign.pk, chain=campaign.chain, size=5)  # a worker's first chunk
    poll = clerk.get(f"/office/campaigns/{campaign.pk}/", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "<html" not in text(poll)
    assert 'value="50"' in text(poll) and "5 of 10 done (50%)." in text(poll)
    assert "Stop sending the rest" in text(poll) and "Refresh" in text(poll)  # the polled part is the whole state
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain, size=5)
    done = clerk.get(f"/office/campaigns/{campaign.pk}/", HTTP_HX_REQUEST="true")
    assert done.status_code == 286 and "10 of 10 done (100%)." in text(done) and "Sent" in text(done)
    assert "Stop sending the rest" not in text(done) and "Refresh" not in text(done)
    assert "See its emails in the Email log" in text(done)
    page = text(clerk.get(f"/office/campaigns/{campaign.pk}/"))
    assert 'hx-trigger' not in page
    log = f"/office/email-log/?source=campaign%3A{campaign.pk}"
    assert f'<a href="{log}">See its emails in the Email log</a>' in page
    listed = text(clerk.get(log))
    assert "person7@riverton.example" in listed and "10 emails" in listed


def test_stop_sending_the_rest(riverton, clerk):
    make_people(riverton.tenant, 8)
    campaign = _send(riverton, clerk)
    queuing.queue_chunk(campaign_id=campaign.pk, chain=campaign.chain, size=4)
    assert "Stop sending the rest" in text(clerk.get(f"/office/campaigns/{campaign.pk}/"))
    clerk.post(f"/office/campaigns/{campaign.pk}/cancel/")
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)
    assert OutboundEmail.objects.filter(source=campaign.source).count() == 4
    assert "The rest of this campaign will not be sent." in text(clerk.get(f"/office/campaigns/{campaign.pk}/"))
    assert audit_rows(riverton, "campaign.cancel") == [(riverton.clerk, f"campaign {campaign.pk}", {})]


def test_delete_a_draft_asks_first_is_audited_and_a_sent_campaign_stays(riverton, clerk,
                                                                       django_capture_on_commit_callbacks):
    pdf = SimpleUploadedFile("mine.pdf", PDF, content_type="application/pdf")
    compose(clerk, "save", attachment="upload", pdf=pdf)
    campaign = Campaign.objects.get()
    stored = campaign.pdf.name
    edit = text(clerk.get(f"/office/campaigns/{campaign.pk}/edit/"))
    assert f'<a href="/office/campaigns/{campaign.pk}/delete/">Delete draft</a>' in edit
    asked = text(clerk.get(f"/office/campaigns/{campaign.pk}/delete/"))
    assert "Delete this draft?" in asked and Campaign.objects.exists()  # asking deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(f"/office/campaigns/{campaign.pk}/delete/")
    assert response["Location"] == LIST and not Campaign.objects.exists()
    assert not campaign.pdf.storage.exists(stored)
    assert "The draft was deleted." in text(clerk.get(LIST))
    assert audit_rows(riverton, "campaign.delete") == [(riverton.clerk, f"campaign {campaign.pk}", {})]
    make_people(riverton.tenant, 2)
    sent = _send(riverton, clerk)
    response = clerk.post(f"/office/campaigns/{sent.pk}/delete/")
    assert response["Location"] == f"/office/campaigns/{sent.pk}/" and Campaign.objects.filter(pk=sent.pk).exists()
    assert "Delete draft" not in text(clerk.get(f"/office/campaigns/{sent.pk}/"))


def test_the_text_message_box_has_a_polite_live_counter(clerk):
    page = text(clerk.get(NEW))
    assert '<p class="help" id="id_text_body_count" aria-live="polite"' in page
    assert 'data-many="%(count)s characters: %(parts)s texts."' in page


def test_the_list_shows_the_counts_in_constant_queries(riverton, clerk):
    from customers.notifications import Category
    from customers.notifications.writes import unsubscribe

    people = make_people(riverton.tenant, 4)
    unsubscribe(tenant=riverton.tenant, address=people[0].email, category=Category.NEWSLETTERS)
    campaign = _send(riverton, clerk, subject="Rates are changing")
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)
    with CaptureQueriesContext(connection) as one:
        body = text(clerk.get(LIST))
    row = body.split("Rates are changing", 1)[1].split("</tr>", 1)[0]
    cells = [c.split(">", 1)[1].split("<", 1)[0] for c in row.split('<td class="num"')[1:]]
    assert cells == ["6", "5", "0", "1", "0"] and "carl@riverton.example" in row
    for i in range(5):
        compose(clerk, "save", subject=f"Draft {i}")
    with CaptureQueriesContext(connection) as six:
        body = text(clerk.get(LIST))
    assert "Draft 4" in body and "6 mass emails" in body
    assert len(six) == len(one) <= 12
    assert "Rates are changing" not in text(clerk.get(LIST + "?q=draft"))


def test_another_citys_clerk_and_residents_get_404(riverton, lakeside, client_for, clerk):
    compose(clerk, "save")
    campaign = Campaign.objects.get()
    for person, tenant in ((lakeside.clerk, riverton.tenant), (riverton.resident, riverton.tenant)):
        other = client_for(person, tenant)
        for url in (LIST, NEW, f"/office/campaigns/{campaign.pk}/", f"/office/campaigns/{campaign.pk}/send/"):
            assert other.get(url).status_code == 404
    assert client_for(lakeside.clerk, lakeside.tenant).get(f"/office/campaigns/{campaign.pk}/").status_code == 404
