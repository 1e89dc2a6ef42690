"""Writes of communications: what the office posts, changes and deletes."""

from __future__ import annotations

import logging
import math
import os
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import User
from portal.models import Tenant

from .models import Communication
from .selectors import city_today

logger = logging.getLogger(__name__)

PDF_SIGNATURE = b"%PDF-"
MAX_PDF_BYTES = 20 * 1024 * 1024


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


def _check_details(*, tenant: Tenant, description: str, expires_on: date | None) -> str:
    description = (description or "").strip()
    errors = {}
    if not description:
        errors["description"] = ValidationError(_("Enter a description; it is what customers see."), code="required")
    elif len(description) > Communication._meta.get_field("description").max_length:
        errors["description"] = ValidationError(_("Keep the description to %(max)s characters.") % {
            "max": Communication._meta.get_field("description").max_length}, code="max_length")
    if expires_on is not None and expires_on <= city_today(tenant=tenant):
        errors["expires_on"] = ValidationError(
            _("Choose an expiry date after today: the communication disappears on that date."), code="past")
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
    """Delete a communication and, once that is committed, its file."""
    storage, name = communication.file.storage, communication.file.name
    logger.info("communication deleted", extra={"communication_id": communication.id,
                                                "description": communication.description,
                                                "acting_user_id": acting_user.id})
    communication.delete()
    # After commit, so a rolled-back delete never leaves a row without its file.
    transaction.on_commit(lambda: storage.delete(name) if name else None)
