"""Delivering queued email: rows claimed in batches, each sent once, SMTP errors retried with back-off.

A batch is claimed in one write under a fresh token (SKIP LOCKED on PostgreSQL), so workers pass each
other, and a worker finishes a message only while its claim has time left, so no two workers send a row.
A row is recorded as sent once the server has accepted it. A worker killed before the final "." leaves
an unfinished message the server throws away, and the row is sent later, once. What no SMTP client can
close is the moment between the server's acceptance and the record: a worker killed exactly there has
its row sent again, with the same Message-ID (mail programs show one message per Message-ID). That is
the choice between losing a bill and, rarely, repeating one; we repeat. A refusal (5xx) fails the row at
once; anything else (4xx, the server down) waits and is tried again, up to MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from portal.claims import claim_rows
from portal.models import Tenant

from ..mailing import html_document
from .models import OutboundEmail
from .transport import Transport, transport

logger = logging.getLogger(__name__)
CLAIM_FOR = timedelta(seconds=60)
CLAIM_MARGIN = timedelta(seconds=10)
BATCH = 50
BACKOFF = [60, 300, 900, 1800, 3600, 7200]  # seconds; then every two hours
MAX_ATTEMPTS = 8
QUEUED = OutboundEmail.State.QUEUED


class ServerDown(Exception):
    """The mail server cannot be reached: stop this batch, try again later."""


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF[min(max(attempts - 1, 0), len(BACKOFF) - 1)])


def _claim(tenant: Tenant, *, limit: int) -> tuple[str, list[OutboundEmail]]:
    """Claim up to `limit` rows due to be sent, in one write, under a fresh token."""
    now = timezone.now()
    due = (OutboundEmail.objects.filter(tenant=tenant, state=QUEUED)
           .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
           .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)))
    token = uuid.uuid4().hex
    claim_rows(due.order_by("id"), limit=limit, values={"claim_token": token, "claimed_until": now + CLAIM_FOR})
    rows = (OutboundEmail.objects.filter(tenant=tenant, state=QUEUED, claim_token=token)
            .select_related("tenant", "tenant__portal_settings", "attachment").order_by("id"))
    return token, list(rows)


def build(row: OutboundEmail, files: dict[int, bytes]) -> EmailMultiAlternatives:
    """The message as it goes out: from the city, its Message-ID, the text and HTML parts, the attachment."""
    sender = formataddr((row.tenant.name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))
    office = getattr(getattr(row.tenant, "portal_settings", None), "office_email", "")
    message = EmailMultiAlternatives(row.subject, row.text, sender, [row.to],
                                     headers={"Message-ID": row.message_id, **row.headers},
                                     reply_to=[office] if office else None)
    if row.html:
        message.attach_alternative(html_document(row.html), "text/html")
    if row.attachment_id:
        if row.attachment_id not in files:
            with row.attachment.file.open("rb") as f:
                files[row.attachment_id] = f.read()
        message.attach(row.attachment.filename, files[row.attachment_id], row.attachment.content_type)
    return message


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(exc.recipients.values()))
        return f"SMTP {code}: {answer.decode(errors='replace') if isinstance(answer, bytes) else answer}"
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"SMTP {exc.smtp_code}: {answer}"
    return f"{type(exc).__name__}: {exc}"[:500]


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600


def _not_sent(row: OutboundEmail, exc: Exception, *, token: str) -> str:
    """Record why a row did not go: failed for good (a refusal, or too many tries), or to be tried again."""
    attempts = row.attempts + 1
    final = _permanent(exc) or attempts >= MAX_ATTEMPTS
    OutboundEmail.objects.filter(pk=row.pk, claim_token=token, state=QUEUED).update(state=OutboundEmail.State.FAILED if final else QUEUED, attempts=attempts, last_error=_describe(exc),
                sent_at=None, claim_token="", claimed_until=None,
                next_attempt_at=None if final else timezone.now() + backoff(attempts))
    logger.warning("email not sent", extra={"email": row.pk, "kind": row.kind, "error": _describe(exc)})
    return "failed" if final else "retry"


def send_one(row: OutboundEmail, *, token: str, via: Transport, files: dict[int, bytes]) -> str:
    """Send one claimed row: "sent", "failed", "retry" or "skipped" (its claim was lost); ServerDown stops the batch."""
    try:
        via.prepare(build(row, files))
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
        return _not_sent(row, exc, token=token)
    except (smtplib.SMTPException, OSError) as exc:
        via.abort()
        _not_sent(row, exc, token=token)
        raise ServerDown(_describe(exc)) from exc
    if timezone.now() > row.claimed_until - CLAIM_MARGIN:
        via.abort()  # its claim is running out: another worker may take it; ours goes unfinished
        return "skipped"
    try:
        via.finish()
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
        return _not_sent(row, exc, token=token)
    except (smtplib.SMTPException, OSError) as exc:  # the connection broke at the end: try again later
        via.abort()
        _not_sent(row, exc, token=token)
        raise ServerDown(_describe(exc)) from exc
    OutboundEmail.objects.filter(pk=row.pk, claim_token=token).update(
        state=OutboundEmail.State.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="",
        claim_token="", claimed_until=None, next_attempt_at=None)
    return "sent"


def deliver_due(*, tenant: Tenant, budget: float = 50.0) -> dict[str, int]:
    """Send the city's queued email for up to `budget` seconds; returns counts by outcome."""
    counts = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    deadline = time.monotonic() + budget
    via = transport()
    files: dict[int, bytes] = {}
    try:
        while time.monotonic() < deadline:
            token, rows = _claim(tenant, limit=BATCH)
            if not rows:
                break
            for index, row in enumerate(rows):
                if time.monotonic() > deadline or timezone.now() > row.claimed_until - CLAIM_MARGIN:
                    _release(token, rows[index:])
                    return counts
                try:
                    counts[send_one(row, token=token, via=via, files=files)] += 1
                except ServerDown:
                    counts["retry"] += 1
                    _release(token, rows[index + 1:])
                    return counts
    finally:
        via.close()
    return counts


def _release(token: str, rows: list[OutboundEmail]) -> None:
    """Give back claimed rows this worker will not send now."""
    if rows:
        OutboundEmail.objects.filter(pk__in=[r.pk for r in rows], claim_token=token).update(
            claim_token="", claimed_until=None)


def has_due(tenant: Tenant) -> bool:
    """Whether the city has email due to be sent now (its index: tenant, state, next attempt)."""
    now = timezone.now()
    return (OutboundEmail.objects.filter(tenant=tenant, state=QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).exists())
