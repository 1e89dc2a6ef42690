"""Queueing email: rows written in the caller's transaction, delivered by a worker once it commits.

Each row's key is unique in the city, so queueing the same message again (a second beat, a retried
task, a page reloaded) adds nothing. Addresses that unsubscribed from the message's category get a
row too, marked "Not sent: unsubscribed", so the office sees why nothing went.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import Iterable, Iterator

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from customers.notifications import Category, opted_out, unsubscribe_url
from portal.models import Tenant

from ..mailing import render_email
from .footer import Footer
from .models import EmailAttachment, OutboundEmail

logger = logging.getLogger(__name__)
BATCH = 2000


@dataclass(frozen=True)
class Outgoing:
    """One rendered message for one address (the bulk form's item)."""

    to: str
    subject: str
    text: str
    html: str
    key: str
    user_id: int | None = None
    account_number: str = ""


def message_id(tenant: Tenant) -> str:
    """A Message-ID that stays the same through every retry of the row."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"
    return f"<{uuid.uuid4().hex}.{tenant.slug}@{domain}>"


def _distinct(addresses: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen[address.lower()] = address
    return list(seen.values())


def _rows(*, tenant: Tenant, kind: str, category: str, messages: Iterable[Outgoing], attachment, source: str,
          now) -> Iterator[OutboundEmail]:
    """The outbox rows of these messages: the city's footer added, unsubscribed addresses marked."""
    transactional = category == Category.TRANSACTIONAL
    footer = Footer(tenant, category=category)
    for chunk in _chunks(messages, BATCH):
        refused = set() if transactional else opted_out(tenant=tenant, addresses=[m.to for m in chunk],
                                                         category=category)
        for m in chunk:
            headers = {}
            link = ""
            if not transactional:
                link = unsubscribe_url(tenant=tenant, address=m.to, category=category)
                headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            yield OutboundEmail(
                tenant=tenant, kind=kind, category=category, to=m.to, subject=m.subject,
                text=m.text.rstrip() + "\n" + footer.text(link),
                html=m.html + footer.html(link) if m.html else "",
                headers=headers, key=m.key[:255], source=source, user_id=m.user_id, account_number=m.account_number,
                attachment=attachment, message_id=message_id(tenant), queued_at=now,
                state=OutboundEmail.State.SUPPRESSED if m.to.lower() in refused else OutboundEmail.State.QUEUED)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def queue_messages(*, tenant: Tenant, kind: str, category: str, messages: Iterable[Outgoing], attachment=None,
                   source: str = "") -> int:
    """Queue already-rendered messages in bulk; returns how many new rows will be sent (duplicates of a key are
    ignored, unsubscribed addresses are recorded as not sent)."""
    now = timezone.now()
    queued = 0
    for batch in _chunks(_rows(tenant=tenant, kind=kind, category=category, messages=messages,
                               attachment=attachment, source=source, now=now), BATCH):
        keys = [row.key for row in batch]
        existing = set(OutboundEmail.objects.filter(tenant=tenant, key__in=keys).values_list("key", flat=True))
        new = [row for row in batch if row.key not in existing]
        OutboundEmail.objects.bulk_create(new, ignore_conflicts=True)
        queued += sum(1 for row in new if row.state == OutboundEmail.State.QUEUED)
    if queued:
        _deliver_after_commit(tenant)
    return queued


def queue_templated(*, tenant: Tenant, kind: str, to: Iterable[str], context: dict, key: str, category: str,
                    user=None, account_number: str = "", attachment=None, source: str = "") -> int:
    """Queue one automatic email (the city's template of `kind`) to each distinct address; returns how many."""
    addresses = _distinct(to)
    if not addresses:
        return 0
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        email = render_email(tenant=tenant, kind=kind, context=context)
    user_id = getattr(user, "pk", user)
    return queue_messages(tenant=tenant, kind=kind, category=category, attachment=attachment, source=source,
                          messages=[Outgoing(to=a, subject=email.subject, text=email.text, html=email.html,
                                             key=f"{key}:{a.lower()}", user_id=user_id, account_number=account_number)
                                    for a in addresses])


def queue_email(*, tenant: Tenant, kind: str, to: Iterable[str], subject: str, text: str, html: str = "",
                category: str = Category.TRANSACTIONAL, key: str | None = None, user=None, source: str = "") -> int:
    """Queue a message the code wrote itself (sign-in links, office notices); a fresh key unless one is given."""
    key = key or f"{kind}:{uuid.uuid4().hex}"
    user_id = getattr(user, "pk", user)
    return queue_messages(tenant=tenant, kind=kind, category=category, source=source, messages=[
        Outgoing(to=a, subject=subject, text=text, html=html, key=f"{key}:{a.lower()}", user_id=user_id)
        for a in _distinct(to)])


def attach_file(*, tenant: Tenant, filename: str, content_type: str, data: bytes) -> EmailAttachment:
    """Store a file to send with emails, once per content and name (private storage)."""
    digest = hashlib.sha256(data).hexdigest()
    found = EmailAttachment.objects.filter(tenant=tenant, sha256=digest, filename=filename).first()
    if found:
        return found
    attachment = EmailAttachment(tenant=tenant, filename=filename, content_type=content_type, sha256=digest,
                                 size=len(data))
    attachment.file.save(filename, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except IntegrityError:  # the same file stored at the same moment by another worker
        attachment.file.delete(save=False)
        return EmailAttachment.objects.get(tenant=tenant, sha256=digest, filename=filename)
    return attachment


def _deliver_after_commit(tenant: Tenant) -> None:
    if settings.OUTBOX_DELIVERY == "inline":
        from .delivery import deliver_due

        deliver_due(tenant=tenant)
        return
    from .tasks import enqueue_delivery

    # One delivery task per city per transaction, however many times it queued (a campaign's chunk, a bill run).
    waiting = transaction.get_connection().run_on_commit
    if any(getattr(callback, "outbox_tenant", None) == tenant.pk for _sids, callback, *_rest in waiting):
        return

    def deliver() -> None:
        enqueue_delivery(tenant_id=tenant.pk)

    deliver.outbox_tenant = tenant.pk
    transaction.on_commit(deliver)
