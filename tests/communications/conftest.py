from __future__ import annotations

from datetime import date, datetime

import pytest

from communications.models import Communication
from communications.services import post_communication

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def private_root(settings):
    """This test's own private folder, where uploaded communications go (set for every test in tests/conftest.py)."""
    return settings.PRIVATE_FILES_ROOT


@pytest.fixture
def post():
    """Post a communication for a city; posted_at and expires_on may be set to any value afterwards."""

    def _post(city, description="2026 Water Rates", *, filename="2026-water-rates.pdf", pdf=PDF,
              posted_at: datetime | None = None, expires_on: date | None = None) -> Communication:
        communication = post_communication(tenant=city.tenant, pdf_bytes=pdf, filename=filename,
                                           description=description, acting_user=city.clerk)
        changes = {k: v for k, v in (("posted_at", posted_at), ("expires_on", expires_on)) if v is not None}
        if changes:  # past expiry dates are refused by the service, so tests set them directly
            Communication.objects.filter(pk=communication.pk).update(**changes)
            communication.refresh_from_db()
        return communication

    return _post
