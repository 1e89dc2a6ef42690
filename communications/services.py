"""Writes of communications: what the office posts, changes and deletes."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import User
from portal.models import Tenant
from portal.portal_settings import plain_text_problem

from .models import Communication
from .selectors import city_today

logger = logging.getLogger(__name__)

PDF_SIGNATURE = b"%PDF-"
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_FILES_PER_UPLOAD = 20
DESCRIPTION_LIMIT = Communication._meta.get_field("description").max_length
# Apps that hold communications say why one may not be deleted yet (communications.campaigns: a mass email not
# sent yet attaches it): callables(communication) -> the reason, or "". Registered in their AppConfig.ready, so
# this module never imports them.
delete_guards: list[Callable[[Communication], str]] = []


def add_delete_guard(guard: Callable[[Communication], str]) -> Callable[[Communication], str]:
    """Register a reason a communication may not be deleted yet (once)."""
    if guard not in delete_guards:
        delete_guards.append(guard)
    return guard


def _clean_filename(filename: str) -> str:
    # Browsers may send a full Windows path; keep the last part and drop control characters.
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "communication.pdf"


def _invalid(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _check_pdf(content: File) -> None:
    size = content.size
    if not size:
        raise _invalid("file", _("The file is empty. Choose a PDF file."), "empty")
    if size > MAX_PDF_BYTES:
        megabytes = math.ceil(size * 10 / (1024 * 1024)) / 10  # rounded up: 20.0 would read as within the limit
        raise _invalid("file", _("The file is %(size)s MB; the limit is %(limit)s MB. Make the PDF smaller and "
                                 "try again.") % {"size": f"{megabytes:.1f}", "limit": MAX_PDF_BYTES // (1024 * 1024)},
                       "too_large")
    content.seek(0)
    head = content.read(len(PDF_SIGNATURE))
    content.seek(0)
    if head != PDF_SIGNATURE:
        raise _invalid("file", _("This file is not a PDF. Save or export the document as a PDF and upload "
                                 "that file."), "not_pdf")


def _expiry_error(*, tenant: Tenant, expires_on: date | None) -> ValidationError | None:
    if expires_on is not None and expires_on <= city_today(tenant=tenant):
        return ValidationError(_("Choose an expiry date after today: the communication disappears on that date."),
                               code="past")
    return None


def _check_details(*, tenant: Tenant, description: str, expires_on: date | None) -> str:
    description = (description or "").strip()
    errors = {}
    if not description:
        errors["description"] = ValidationError(_("Enter a description; it is what customers see."), code="required")
    elif len(description) > DESCRIPTION_LIMIT:
        errors["description"] = ValidationError(
            _("Keep the description to %(max)s characters (it has %(count)s).") % {
                "max": DESCRIPTION_LIMIT, "count": len(description)}, code="max_length")
    elif plain_text_problem(description):  # customers read it as typed, never as HTML
        errors["description"] = ValidationError(plain_text_problem(description), code="html")
    expiry = _expiry_error(tenant=tenant, expires_on=expires_on)
    if expiry is not None:
        errors["expires_on"] = expiry
    if errors:
        raise ValidationError(errors)
    return description


def post_communication(*, tenant: Tenant, filename: str, description: str, pdf_bytes: bytes | None = None,
                       file: File | None = None, expires_on: date | None = None,
                       acting_user: User | None = None) -> Communication:
    """Post a PDF for the city's customers; ValidationError (keyed by field) when it is not acceptable."""
    if (pdf_bytes is None) == (file is None):
        raise TypeError("pass exactly one of pdf_bytes and file")
    content = ContentFile(pdf_bytes) if pdf_bytes is not None else file
    _check_pdf(content)
    description = _check_details(tenant=tenant, description=description, expires_on=expires_on)

    communication = Communication(tenant=tenant, description=description, original_filename=_clean_filename(filename),
                                  expires_on=expires_on, posted_by=acting_user)
    communication.file.save("upload.pdf", content, save=False)  # upload_to picks the stored name
    try:
        with transaction.atomic():
            communication.save()
    except Exception:
        communication.file.delete(save=False)
        raise
    logger.info("communication posted", extra={"communication_id": communication.id,
                                               "acting_user_id": getattr(acting_user, "id", None)})
    return communication


def default_description(filename: str) -> str:
    """What customers see of an uploaded file until the office changes it: its name without the extension."""
    stem = os.path.splitext(_clean_filename(filename))[0].strip()
    return stem[:DESCRIPTION_LIMIT].strip() or _("Communication")


@dataclass(frozen=True)
class RefusedFile:
    filename: str
    reason: str


@dataclass
class UploadOutcome:
    posted: list[Communication] = field(default_factory=list)
    refused: list[RefusedFile] = field(default_factory=list)


def post_communications(*, tenant: Tenant, files: Sequence[File], expires_on: date | None = None,
                        acting_user: User | None = None) -> UploadOutcome:
    """Post each uploaded PDF under its own name; a bad file is refused by name and the good ones are posted.

    What applies to the whole upload (some files, not too many, the expiry date) is checked
    first and refuses all of it (ValidationError keyed "files" or "expires_on"); each file is
    then checked by its content, so a refused file never stops the others.
    """
    if not files:
        raise _invalid("files", _("Choose one or more PDF files to upload."), "required")
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise _invalid("files", _("Upload at most %(max)s files at a time (you chose %(count)s).") % {
            "max": MAX_FILES_PER_UPLOAD, "count": len(files)}, "too_many")
    expiry = _expiry_error(tenant=tenant, expires_on=expires_on)
    if expiry is not None:
        raise ValidationError({"expires_on": expiry})
    outcome = UploadOutcome()
    for upload in files:
        filename = _clean_filename(upload.name)
        try:
            outcome.posted.append(post_communication(
                tenant=tenant, filename=filename, description=default_description(filename), file=upload,
                expires_on=expires_on, acting_user=acting_user))
        except ValidationError as refused:
            reason = " ".join(refused.messages)
            if "description" in refused.error_dict:  # the description is the file's name
                reason = _("%(reason)s Rename the file and upload it again.") % {"reason": reason}
            outcome.refused.append(RefusedFile(filename, reason))
    return outcome


@transaction.atomic
def update_communication(*, communication: Communication, description: str, expires_on: date | None,
                         acting_user: User) -> Communication:
    """Change what customers see of a communication and when it expires (the office's pencil icon)."""
    # An expiry date already passed may stay as it is while the description is corrected.
    changed_expiry = expires_on if expires_on != communication.expires_on else None
    communication.description = _check_details(tenant=communication.tenant, description=description,
                                               expires_on=changed_expiry)
    communication.expires_on = expires_on
    communication.save(update_fields=["description", "expires_on"])
    logger.info("communication updated", extra={"communication_id": communication.id,
                                                "acting_user_id": acting_user.id})
    return communication


@transaction.atomic
def delete_communication(*, communication: Communication, acting_user: User) -> None:
    """Delete a communication and, once that is committed, its file; ValidationError (nothing deleted) while held."""
    reasons = [reason for reason in (guard(communication) for guard in delete_guards) if reason]
    if reasons:
        raise ValidationError(" ".join(reasons), code="in_use")
    storage, name = communication.file.storage, communication.file.name
    logger.info("communication deleted", extra={"communication_id": communication.id,
                                                "description": communication.description,
                                                "acting_user_id": acting_user.id})
    communication.delete()
    # After commit, so a rolled-back delete never leaves a row without its file.
    transaction.on_commit(lambda: storage.delete(name) if name else None)
