"""Utility Communications: the office uploads PDFs, edits them with the pencil and deletes them with the trash can."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adminpanel.models import AuditEntry
from communications.models import Communication
from communications.selectors import city_today
from communications.services import MAX_FILES_PER_UPLOAD

from ..communications.conftest import PDF, post  # noqa: F401  (the fixture)

URL = "/office/utility/communications/"
MB = 1024 * 1024


def pdf(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(settings) -> list[Path]:
    return [p for p in Path(settings.PRIVATE_FILES_ROOT).rglob("*") if p.is_file()]


def tomorrow(city) -> date:
    return city_today(tenant=city.tenant) + timedelta(days=1)


@pytest.fixture
def clerk(riverton, client_for):
    return client_for(riverton.clerk, riverton.tenant)


# --- Upload Attachment(s) -------------------------------------------------------------------------------

def test_uploading_a_pdf_posts_it_under_its_name_for_the_citys_customers(riverton, clerk, client_for, settings):
    response = clerk.post(URL, {"files": [pdf("Fall 2026 Newsletter.pdf")]}, follow=True)
    assert "1 communication was posted. Use the pencil" in response.content.decode()
    posted = riverton.tenant.communications.get()
    assert (posted.description, posted.original_filename, posted.posted_by) == (
        "Fall 2026 Newsletter", "Fall 2026 Newsletter.pdf", riverton.clerk)
    assert [p.read_bytes() for p in stored_files(settings)] == [PDF]
    assert "Fall 2026 Newsletter" in client_for(riverton.resident, riverton.tenant).get(
        "/communications/").content.decode()
    entry = AuditEntry.objects.get(tenant=riverton.tenant)
    assert (entry.action, entry.actor, entry.target) == ("communication.post", riverton.clerk, "Fall 2026 Newsletter")
    assert entry.summary == "Posted the communication “Fall 2026 Newsletter” (Fall 2026 Newsletter.pdf)"


def test_several_pdfs_at_once_each_get_their_own_description_and_the_expiry_date(riverton, clerk):
    day = tomorrow(riverton)
    clerk.post(URL, {"files": [pdf("2026-rates.pdf"), pdf("spring.newsletter.PDF")], "expires_on": day.isoformat()})
    found = sorted(riverton.tenant.communications.values_list("description", "expires_on"))
    assert found == [("2026-rates", day), ("spring.newsletter", day)]
    assert AuditEntry.objects.filter(tenant=riverton.tenant, action="communication.post").count() == 2


def test_a_bad_file_is_refused_by_name_and_the_good_ones_are_posted(riverton, clerk, settings):
    response = clerk.post(URL, {"files": [pdf("rates.pdf"), pdf("flier.pdf", b"<html>Flier</html>"),
                                          pdf("empty.pdf", b"")]})
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 communication was posted:" in body and "Some files were not uploaded: see why below." in body
    assert "flier.pdf was not uploaded: This file is not a PDF." in body
    assert "empty.pdf was not uploaded: The file is empty. Choose a PDF file." in body
    assert 'aria-describedby="id_files_helptext id_files_error"' in body  # the reasons are tied to the field
    assert list(riverton.tenant.communications.values_list("description", flat=True)) == ["rates"]
    assert len(stored_files(settings)) == 1
    assert AuditEntry.objects.filter(tenant=riverton.tenant).count() == 1


@pytest.mark.parametrize("files, message", [
    ([], "Choose one or more PDF files to upload."),
    ([pdf("big.pdf", b"%PDF-" + b"0" * (30 * MB - 5))],
     "big.pdf was not uploaded: The file is 30.0 MB; the limit is 20 MB. Make the PDF smaller and try again."),
    ([pdf("rates.pdf", b"<!DOCTYPE html><html><body>Rates</body></html>")],
     "rates.pdf was not uploaded: This file is not a PDF. Save or export the document as a PDF"),
    ([pdf("rates.pdf", b"")], "rates.pdf was not uploaded: The file is empty."),
    ([pdf("Rates <b>2026.pdf")], "Rates &lt;b&gt;2026.pdf was not uploaded: Type plain text: remove the HTML tag "
                                 "that starts with “&lt;b”. Rename the file and upload it again."),
    ([pdf(f"n{i}.pdf") for i in range(MAX_FILES_PER_UPLOAD + 1)],
     f"Upload at most {MAX_FILES_PER_UPLOAD} files at a time (you chose {MAX_FILES_PER_UPLOAD + 1})."),
])
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_is_stored(riverton, clerk, settings, files, message):
    response = clerk.post(URL, {"files": files})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was uploaded. Please correct the fields marked below." in body
    assert f'<div class="errors" id="id_files_error"><p>{message}' in body
    assert not Communication.objects.exists() and stored_files(settings) == []
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("expires_on, message", [
    ("2020-01-01", "Choose an expiry date after today"),
    ("today", "Choose an expiry date after today"),
    ("2026-13-45", "Enter a date, such as 2026-12-31."),
])
def test_an_upload_with_a_bad_expiry_date_stores_no_file(riverton, clerk, settings, expires_on, message):
    if expires_on == "today":
        expires_on = city_today(tenant=riverton.tenant).isoformat()
    response = clerk.post(URL, {"files": [pdf("rates.pdf"), pdf("news.pdf")], "expires_on": expires_on})
    assert response.status_code == 400
    assert f'<div class="errors" id="id_expires_on_error"><p>{message}' in response.content.decode()
    assert not Communication.objects.exists() and stored_files(settings) == []


def test_a_file_name_with_a_less_than_sign_is_posted_and_customers_read_it_as_typed(riverton, clerk, client_for):
    clerk.post(URL, {"files": [pdf("Usage < 5 units.pdf")]})
    assert riverton.tenant.communications.get().description == "Usage < 5 units"
    page = client_for(riverton.resident, riverton.tenant).get("/communications/").content.decode()
    assert "Usage &lt; 5 units" in page


def test_a_long_file_name_gives_a_description_within_the_limit(riverton, clerk):
    clerk.post(URL, {"files": [pdf("N" * 240 + ".pdf")]})
    assert riverton.tenant.communications.get().description == "N" * 200


# --- the list -----------------------------------------------------------------------------------------

def test_the_list_shows_every_communication_newest_first_expired_marked_and_the_newest_current(riverton, clerk, post):
    today = city_today(tenant=riverton.tenant)
    post(riverton, "2025 Rates", expires_on=date(2025, 12, 31))
    post(riverton, "Summer Newsletter", expires_on=today + timedelta(days=30))
    post(riverton, "Boil notice", expires_on=date(2026, 1, 1))  # newest, but expired
    body = clerk.get(URL).content.decode()
    assert body.index("Boil notice") < body.index("Summer Newsletter") < body.index("2025 Rates")
    assert "3 communications" in body
    assert "Expired on Dec 31, 2025" in body and "Expired on Jan 1, 2026" in body
    assert f"Until it expires on {(today + timedelta(days=30)):%b} " in body
    newest = body.index("Linked from bill emails (newest current)")
    assert body.index("Summer Newsletter") < newest < body.index("2025 Rates")
    assert "by Carl" in body


def test_the_list_shows_only_this_citys_communications(riverton, lakeside, clerk, post):
    post(lakeside, "Lakeside rates")
    body = clerk.get(URL).content.decode()
    assert "Lakeside rates" not in body and "No communications are posted." in body


def test_the_list_costs_the_same_queries_for_one_row_or_forty(riverton, clerk, post):
    post(riverton, "First")
    clerk.get(URL)  # the session and the city are cached from here on, as for any clerk at work
    with CaptureQueriesContext(connection) as one:
        assert clerk.get(URL).status_code == 200
    for i in range(40):
        post(riverton, f"Notice {i}")
    with CaptureQueriesContext(connection) as forty:
        assert "Notice 39" in clerk.get(URL).content.decode()
    assert len(forty) == len(one) <= 12


def test_the_menu_leads_to_communications(clerk):
    body = clerk.get("/office/").content.decode()
    assert f'href="{URL}">Communications<' in body


# --- the pencil -----------------------------------------------------------------------------------------

def test_the_pencil_changes_the_description_and_expiry_and_the_log_keeps_both(riverton, clerk, client_for, post):
    communication = post(riverton, "rates", filename="rates.pdf")
    day = tomorrow(riverton)
    url = f"{URL}{communication.pk}/edit/"
    assert 'value="rates"' in clerk.get(url).content.decode()
    response = clerk.post(url, {"description": "2026 Water Rates", "expires_on": day.isoformat()}, follow=True)
    assert "“2026 Water Rates” was saved." in response.content.decode()
    communication.refresh_from_db()
    assert (communication.description, communication.expires_on) == ("2026 Water Rates", day)
    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="communication.edit")
    assert entry.changes == {"description": ["rates", "2026 Water Rates"], "expires_on": [None, day.isoformat()]}
    assert entry.actor == riverton.clerk
    assert "2026 Water Rates" in client_for(riverton.resident, riverton.tenant).get("/communications/").content.decode()


def test_setting_the_expiry_date_to_tomorrow_hides_it_from_customers_from_tomorrow(riverton, clerk, post):
    communication = post(riverton, "Rates")
    clerk.post(f"{URL}{communication.pk}/edit/", {"description": "Rates", "expires_on": tomorrow(riverton)})
    assert riverton.tenant.communications.get().expires_on == tomorrow(riverton)


@pytest.mark.parametrize("data, field, message", [
    ({"description": "D" * 201}, "description", "Keep the description to 200 characters (it has 201)."),
    ({"description": "   "}, "description", "Enter a description; it is what customers see."),
    ({"description": "Rates <b>2026</b>"}, "description",
     "Type plain text: remove the HTML tag that starts with “&lt;b”."),
    ({"description": "Rates", "expires_on": "2020-01-01"}, "expires_on", "Choose an expiry date after today"),
    ({"description": "Rates", "expires_on": "someday"}, "expires_on", "Enter a date, such as 2026-12-31."),
])
def test_the_pencil_refuses_bad_input_on_its_field_and_changes_nothing(riverton, clerk, post, data, field, message):
    communication = post(riverton, "2026 Water Rates")
    response = clerk.post(f"{URL}{communication.pk}/edit/", data)
    body = response.content.decode()
    assert response.status_code == 400 and "Nothing was saved." in body
    assert f'<div class="errors" id="id_{field}_error"><p>{message}' in body
    communication.refresh_from_db()
    assert (communication.description, communication.expires_on) == ("2026 Water Rates", None)
    assert not AuditEntry.objects.exists()


def test_an_expired_ones_description_can_be_corrected_keeping_its_date(riverton, clerk, post):
    communication = post(riverton, "Old rtaes", expires_on=date(2025, 1, 1))
    clerk.post(f"{URL}{communication.pk}/edit/", {"description": "Old rates", "expires_on": "2025-01-01"})
    communication.refresh_from_db()
    assert (communication.description, communication.expires_on) == ("Old rates", date(2025, 1, 1))


def test_the_office_can_open_an_expired_ones_pdf(riverton, clerk, client_for, post):
    communication = post(riverton, "Old rates", expires_on=date(2025, 1, 1))
    response = clerk.get(f"{URL}{communication.pk}/pdf/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    resident = client_for(riverton.resident, riverton.tenant)
    assert resident.get(f"/communications/{communication.pk}/pdf/").status_code == 404


# --- the trash can --------------------------------------------------------------------------------------

def test_the_trash_can_asks_then_deletes_the_communication_and_its_file(riverton, clerk, post, settings,
                                                                        django_capture_on_commit_callbacks):
    communication = post(riverton, "2026 Water Rates")
    url = f"{URL}{communication.pk}/delete/"
    assert "Delete “2026 Water Rates” (2026-water-rates.pdf)" in clerk.get(url).content.decode()
    assert Communication.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(url, follow=True)
    assert "“2026 Water Rates” was deleted." in response.content.decode()
    assert not Communication.objects.exists() and stored_files(settings) == []
    entry = AuditEntry.objects.get(tenant=riverton.tenant)
    assert (entry.action, entry.target, entry.actor) == ("communication.delete", "2026 Water Rates", riverton.clerk)


# --- who may -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["get", "post"])
def test_residents_and_another_citys_clerk_get_404_and_change_nothing(riverton, lakeside, larry, client_for, method,
                                                                       settings):
    for user, tenant in ((riverton.resident, riverton.tenant), (larry, riverton.tenant),
                         (lakeside.clerk, riverton.tenant)):
        client = client_for(user, tenant)
        response = getattr(client, method)(URL, {"files": [pdf("rates.pdf")]} if method == "post" else None)
        assert response.status_code == 404
    assert not Communication.objects.exists() and stored_files(settings) == []


def test_anonymous_is_sent_to_sign_in(riverton, anon_client):
    response = anon_client(riverton.tenant).get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
