"""Bill PDFs: fetched from Caselle once, then kept in private storage (never public media)."""

from __future__ import annotations

from django.core.files.base import ContentFile

from cows_bridge import client as cows
from portal.storage import private_storage


def bill_pdf_path(*, tenant, bill) -> str:
    return f"billpdfs/{tenant.id}/{bill.account_key}/{bill.bill_id}.pdf"


def bill_pdf_bytes(*, tenant, bill) -> bytes:
    """The bill's PDF, from the private cache or else from COWS (then cached); COWS errors propagate."""
    storage, path = private_storage(), bill_pdf_path(tenant=tenant, bill=bill)
    if storage.exists(path):
        with storage.open(path, "rb") as f:
            return f.read()
    pdf = cows.get_bill_pdf(tenant, bill.account_key, bill.bill_id)
    if not storage.exists(path):  # two viewers at once: the first one's copy is kept
        storage.save(path, ContentFile(pdf))
    return pdf
