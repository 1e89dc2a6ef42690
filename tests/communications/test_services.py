"""Posting, changing and deleting communications (the office side's domain functions)."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from communications.models import Communication
from communications.selectors import city_today
from communications.services import MAX_PDF_BYTES, delete_communication, post_communication, update_communication

from .conftest import PDF


def stored_files(private_root) -> list[Path]:
    return [p for p in Path(private_root).rglob("*") if p.is_file()]


def test_posting_stores_the_pdf_under_the_city_folder_with_who_posted_it(riverton, private_root):
    communication = post_communication(tenant=riverton.tenant, pdf_bytes=PDF, filename="rates.pdf",
                                       description="  2026 Water Rates ", acting_user=riverton.clerk)
    assert communication.description == "2026 Water Rates"
    assert communication.original_filename == "rates.pdf"
    assert communication.posted_by == riverton.clerk
    assert communication.posted_at is not None and communication.expires_on is None
    assert communication.file.name.startswith("communications/riverton/")
    assert communication.file.name.endswith(".pdf")
    assert (Path(private_root) / communication.file.name).read_bytes() == PDF


def test_posting_an_uploaded_file_keeps_only_its_base_name(riverton):
    upload = SimpleUploadedFile("C:\\Users\\office\\newsletter.pdf", PDF, content_type="application/pdf")
    communication = post_communication(tenant=riverton.tenant, file=upload, filename=upload.name,
                                       description="Fall newsletter", expires_on=date(2099, 1, 1))
    assert communication.original_filename == "newsletter.pdf"
    assert communication.expires_on == date(2099, 1, 1)
    assert communication.file.read() == PDF


@pytest.mark.parametrize("content, code, message", [
    (b"<html><body>Rates</body></html>", "not_pdf", "This file is not a PDF. Save or export the document as a PDF"),
    (b"PK\x03\x04 a word document", "not_pdf", "This file is not a PDF."),
    (b"", "empty", "The file is empty. Choose a PDF file."),
    (b"%PDF-" + b"0" * MAX_PDF_BYTES, "too_large", "The file is 20.1 MB; the limit is 20 MB."),
])
def test_posting_rejects_what_is_not_an_acceptable_pdf_with_a_clear_message_and_saves_nothing(
        content, code, message, riverton, private_root):
    with pytest.raises(ValidationError) as caught:
        post_communication(tenant=riverton.tenant, pdf_bytes=content, filename="rates.pdf",
                           description="2026 Water Rates", acting_user=riverton.clerk)
    assert message in " ".join(caught.value.message_dict["file"])
    assert [e.code for e in caught.value.error_dict["file"]] == [code]
    assert not Communication.objects.exists()
    assert stored_files(private_root) == []


def test_a_file_named_pdf_is_still_checked_for_what_it_is(riverton, private_root):
    upload = SimpleUploadedFile("rates.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="not a PDF"):
        post_communication(tenant=riverton.tenant, file=upload, filename=upload.name, description="Rates")
    assert not Communication.objects.exists()
    assert stored_files(private_root) == []


def test_posting_needs_a_description(riverton, private_root):
    with pytest.raises(ValidationError) as caught:
        post_communication(tenant=riverton.tenant, pdf_bytes=PDF, filename="rates.pdf", description="   ")
    assert "Enter a description" in caught.value.message_dict["description"][0]
    assert stored_files(private_root) == []


def test_posting_refuses_an_expiry_date_that_has_come(riverton, private_root):
    with pytest.raises(ValidationError) as caught:
        post_communication(tenant=riverton.tenant, pdf_bytes=PDF, filename="rates.pdf", description="Rates",
                           expires_on=city_today(tenant=riverton.tenant))
    assert "after today" in caught.value.message_dict["expires_on"][0]
    assert not Communication.objects.exists()


def test_posting_takes_bytes_or_a_file_not_both(riverton):
    with pytest.raises(TypeError):
        post_communication(tenant=riverton.tenant, pdf_bytes=PDF, file=SimpleUploadedFile("a.pdf", PDF),
                           filename="a.pdf", description="Rates")


def test_updating_changes_the_description_and_expiry(riverton, post):
    communication = post(riverton)
    tomorrow = city_today(tenant=riverton.tenant) + timedelta(days=1)
    update_communication(communication=communication, description="2026 Rates (corrected)", expires_on=tomorrow,
                         acting_user=riverton.clerk)
    communication.refresh_from_db()
    assert (communication.description, communication.expires_on) == ("2026 Rates (corrected)", tomorrow)


def test_updating_the_description_of_an_expired_one_keeps_its_expiry(riverton, post):
    communication = post(riverton, expires_on=date(2020, 1, 1))
    update_communication(communication=communication, description="Old rates", expires_on=date(2020, 1, 1),
                         acting_user=riverton.clerk)
    communication.refresh_from_db()
    assert communication.description == "Old rates"


def test_deleting_removes_the_row_and_then_the_file(riverton, post, private_root, django_capture_on_commit_callbacks):
    communication = post(riverton)
    other = post(riverton, "Newsletter")
    with django_capture_on_commit_callbacks(execute=True):
        delete_communication(communication=communication, acting_user=riverton.clerk)
    assert list(riverton.tenant.communications.all()) == [other]
    assert stored_files(private_root) == [Path(private_root) / other.file.name]
