"""Handing one account's bill email to the outbox (which sends each (bill, address) once)."""

from __future__ import annotations

from customers.notifications import Category
from portal.models import Tenant

from .models import BillEmailRun
from .selection import BillEmail


def queue_bill_email(*, tenant: Tenant, run: BillEmailRun, account_number: str, email: BillEmail) -> int:
    """Queue the bill to each of its addresses, the PDF attached, in the caller's transaction; returns how many."""
    from communications.outbox import attach_file, queue_templated

    attachment = attach_file(tenant=tenant, filename=email.filename, content_type="application/pdf", data=email.pdf)
    return queue_templated(tenant=tenant, kind=email.kind, to=email.to, context=email.context, key=email.key,
                           category=Category.BILLS, account_number=account_number, attachment=attachment,
                           source=run.source)
