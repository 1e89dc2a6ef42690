"""Queuing texts (one row per key, committed with the caller's change) and delivering them once each.

Delivery claims rows atomically (SKIP LOCKED on PostgreSQL, one conditional UPDATE on SQLite), sends each
through the configured provider, and records the provider's id; a failure is retried a few times with a
pause, then the row is failed with the provider's words.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from portal.claims import claim_rows
from portal.models import Tenant

from .backends import TextSendError, get_backend
from .models import OutboundText

logger = logging.getLogger(__name__)

CLAIM_FOR = timedelta(minutes=5)
RETRY_AFTER = timedelta(minutes=2)
MAX_ATTEMPTS = 3
BATCH = 100


@dataclass(frozen=True)
class Text:
    to: str
    body: str
    key: str
    user_id: int | None = None


def queue_texts(*, tenant: Tenant, texts: Iterable[Text], source: str = "") -> int:
    """Add a row per text (a key already queued adds nothing); a worker delivers them after commit."""
    rows = [OutboundText(tenant=tenant, to=t.to, body=t.body, key=t.key, user_id=t.user_id, source=source)
            for t in texts]
    if not rows:
        return 0
    before = OutboundText.objects.filter(tenant=tenant, key__in=[r.key for r in rows]).count()
    OutboundText.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    transaction.on_commit(lambda: _ask_for_delivery(tenant.pk))
    return len(rows) - before


def _ask_for_delivery(tenant_id: int) -> None:
    from .tasks import deliver_texts

    deliver_texts.delay(tenant_id)


def _claim(tenant: Tenant, *, limit: int) -> tuple[str, list[OutboundText]]:
    now = timezone.now()
    waiting = OutboundText.objects.filter(tenant=tenant, state=OutboundText.State.QUEUED).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    token = uuid.uuid4().hex
    claim = {"claim_token": token, "claimed_until": now + CLAIM_FOR, "state": OutboundText.State.SENDING,
             "attempts": F("attempts") + 1}
    if not claim_rows(waiting.order_by("id"), limit=limit, values=claim):
        return token, []
    return token, list(OutboundText.objects.filter(tenant=tenant, claim_token=token,
                                                   state=OutboundText.State.SENDING).order_by("id"))


def _stale_claims(tenant: Tenant) -> None:
    """Rows a killed worker left 'sending' past their claim go back to the queue.

    A worker killed between the provider's answer and recording it leaves a text that went out: it is sent
    again (providers take no idempotency key for texts); every other row is sent exactly once."""
    OutboundText.objects.filter(tenant=tenant, state=OutboundText.State.SENDING,
                                claimed_until__lt=timezone.now()).update(state=OutboundText.State.QUEUED)


def has_waiting(tenant: Tenant) -> bool:
    """Whether the city has texts to send (or left 'sending' by a worker that died)."""
    return OutboundText.objects.filter(tenant=tenant, state__in=(OutboundText.State.QUEUED,
                                                                 OutboundText.State.SENDING)).exists()


def deliver_waiting(*, tenant: Tenant, limit: int = 1000) -> int:
    """Send up to `limit` of the city's waiting texts; returns how many went out."""
    _stale_claims(tenant)
    backend = get_backend()
    sent = 0
    while sent < limit:
        token, batch = _claim(tenant, limit=min(BATCH, limit - sent))
        if not batch:
            break
        for text in batch:
            try:
                provider_id = backend.send_text(text.to, text.body)
            except TextSendError as exc:
                done = text.attempts >= MAX_ATTEMPTS
                OutboundText.objects.filter(pk=text.pk, claim_token=token).update(
                    state=OutboundText.State.FAILED if done else OutboundText.State.QUEUED,
                    claimed_until=None if done else timezone.now() + RETRY_AFTER, last_error=str(exc)[:500])
                logger.warning("text not sent", extra={"text_id": text.pk, "attempts": text.attempts})
                continue
            OutboundText.objects.filter(pk=text.pk, claim_token=token).update(
                state=OutboundText.State.SENT, sent_at=timezone.now(), provider_id=provider_id[:100], last_error="")
            sent += 1
    return sent


def counts(*, tenant: Tenant, source: str) -> dict[str, int]:
    """How many texts of a source are in each state."""
    found = dict(OutboundText.objects.filter(tenant=tenant, source=source).values("state")
                 .annotate(n=Count("id")).values_list("state", "n"))
    return {state: found.get(state, 0) for state in OutboundText.State.values}
