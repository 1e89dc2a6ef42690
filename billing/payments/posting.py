"""Posting charged payments to Cash Receipting: the outbox's worker side.

Due items are claimed in batches, one write under a fresh claim token (SKIP LOCKED on
PostgreSQL, so workers pass each other), so only one worker or one "Retry Now" posts an item at
a time. Each is posted with its own reference; the receipts of the last fraction of a second are
committed together in one transaction, each with its payment's move to posted. COWS keeps receipts idempotent by reference, and the
bridge looks a receipt up by reference after a lost answer, so a crash anywhere in between leads
to the same single receipt. Failures wait with back-off.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from django.db import transaction
from django.db.models import Case, Count, F, Q, Value, When
from django.utils import timezone

from cows_bridge import client as cows
from cows_bridge.errors import CowsAuthFailed, CowsError, CowsRejected, CowsUnavailable
from portal.claims import claim_rows
from portal.tenant_work import working_for

from . import states
from .models import Payment, PaymentItem

logger = logging.getLogger(__name__)
CLAIM_FOR = timedelta(seconds=90)
CLAIM_MARGIN = timedelta(seconds=15)  # an item whose claim runs out sooner is given back, not posted
BATCH_SECONDS = 0.5  # a claim covers about this much work at the latency just seen
MAX_BATCH = 100
GROUP_SECONDS = 0.2  # receipts posted within this long are recorded together (one transaction)
BACKOFF = [30, 60, 120, 300, 600, 900]  # seconds; then every 15 minutes


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF[min(max(attempts - 1, 0), len(BACKOFF) - 1)])


def enqueue_posting(*, payment_id: int) -> None:
    """Ask a worker to post this payment now; beat retries anything left waiting anyway."""
    from .tasks import post_payment

    try:
        post_payment.delay(payment_id)
    except Exception:  # a broker hiccup must not fail the request: beat finds waiting items
        logger.warning("could not enqueue posting; beat will pick it up", exc_info=True)


def _payload(item: PaymentItem) -> dict:
    payment = item.payment
    body = {"reference": item.reference, "kind": item.kind, "amount": str(item.amount),
            "method": payment.method_kind, "paid_at": (payment.charged_at or timezone.now()).isoformat()}
    if item.kind == PaymentItem.Kind.UTILITY:
        body["customer_number"] = item.customer_number
    else:
        body.update({"category": item.category, "distribution": item.distribution, "payor": item.payor,
                     "comment": item.comment})
        if item.category_reference:
            body["category_reference"] = item.category_reference
    return body


def _claim(items, *, limit: int, force: bool) -> tuple[str, list[PaymentItem]]:
    """Claim up to `limit` waiting items of `items` in one write, under a fresh claim token."""
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    query = items.filter(post_state=PaymentItem.PostState.WAITING).filter(free)
    if not force:
        query = query.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    token = uuid.uuid4().hex
    claim = {"claim_token": token, "claimed_until": now + CLAIM_FOR, "attempts": F("attempts") + 1}
    if not claim_rows(query.order_by("id"), limit=limit, values=claim):
        return token, []
    claimed = PaymentItem.objects.filter(post_state=PaymentItem.PostState.WAITING, claim_token=token)
    return token, list(claimed.select_related("payment", "tenant").annotate(siblings=Count("payment__items"))
                       .order_by("id"))


def _release(token: str, items: list[PaymentItem]) -> None:
    """Give back claimed items this worker will not post now (their city is down, or time ran out)."""
    if items:
        PaymentItem.objects.filter(pk__in=[i.pk for i in items], claim_token=token).update(
            claimed_until=None, claim_token="", attempts=F("attempts") - 1)


def _send(item: PaymentItem):
    """Post one claimed item's receipt; returns ("posted", receipt), or the outcome and None."""
    with working_for(item.tenant):
        try:
            return "posted", cows.post_receipt(item.tenant, _payload(item))
        except CowsAuthFailed as exc:
            # The office's key was refused, not this receipt: it waits, like an outage, until the key is fixed.
            _failed(item, str(exc), backoff(item.attempts))
            return "waiting", None
        except CowsRejected as exc:
            # The office's system refused it (closed account, bad category...): a person must look.
            _failed(item, f"Caselle refused the receipt: {exc}", timedelta(hours=1))
            return "rejected", None
        except (CowsUnavailable, CowsError) as exc:
            _failed(item, str(exc), backoff(item.attempts))
            return "waiting", None


def _record_posted(done: list, *, actor) -> list[str]:
    """Record receipts just posted, with their payments' moves to posted, in one transaction.

    Until it commits, the items stay waiting under this worker's claim: a crash before then means
    they are posted again once the claim runs out, and COWS answers with the same receipts.
    """
    now = timezone.now()
    ids = [item.pk for item, _ in done]
    numbers = Case(*[When(pk=item.pk, then=Value(receipt.confirmation_number)) for item, receipt in done])
    with transaction.atomic():
        matched = PaymentItem.objects.filter(pk__in=ids, post_state=PaymentItem.PostState.WAITING).update(
            post_state=PaymentItem.PostState.POSTED, confirmation_number=numbers, posted_at=now, last_error="",
            claimed_until=None, claim_token="", next_attempt_at=None)
        recorded = set(ids) if matched == len(ids) else set(
            PaymentItem.objects.filter(pk__in=ids, posted_at=now).values_list("pk", flat=True))
        alone = [item.payment_id for item, _ in done if item.pk in recorded and item.siblings == 1]
        states.transition_many(alone, Payment.State.CHARGED, Payment.State.POSTED, reason="posted to Cash Receipting",
                               actor=actor, posted_at=now)
        for item, _ in done:
            if item.pk in recorded and item.siblings > 1:
                _payment_posted(item, now=now, actor=actor)
    for item, receipt in done:
        logger.info("receipt posted", extra={"reference": item.reference, "confirmation": receipt.confirmation_number})
    return ["posted" if item.pk in recorded else "skipped" for item, _ in done]


def _payment_posted(item: PaymentItem, *, now, actor) -> None:
    """A payment of several items becomes posted with its last item's receipt (inside that transaction)."""
    # Its items may post in parallel: the payment's lock lets the last one see the others.
    payment = Payment.objects.select_for_update().get(pk=item.payment_id)
    if payment.state != Payment.State.CHARGED or payment.items.exclude(
            post_state=PaymentItem.PostState.POSTED).exists():
        return
    try:
        states.transition(payment, Payment.State.POSTED, reason="posted to Cash Receipting", actor=actor,
                          posted_at=now)
    except states.StateChanged:
        pass  # moved by someone else in the meantime; the receipts stand


def _failed(item: PaymentItem, reason: str, wait: timedelta) -> None:
    # Only while the claim is still this worker's (a claim that ran out may be someone else's now).
    PaymentItem.objects.filter(pk=item.pk, claim_token=item.claim_token).update(
        last_error=reason[:300], claimed_until=None, claim_token="", next_attempt_at=timezone.now() + wait)
    logger.warning("receipt not posted yet: %s", reason, extra={"reference": item.reference})


def _post_batches(items, *, limit: int, force: bool, actor, skip_down: bool = True) -> list[str]:
    """Claim and post in batches sized to about BATCH_SECONDS of work at the latency just seen.

    A slow COWS gets one item per claim, so a worker that dies holds little; a city whose COWS is
    down gives its claimed items back at the first failure and waits for the next round.
    """
    outcomes: list[str] = []
    down: set[int] = set()
    size, after = 1, 0  # in id order, each item at most once per call (a refused one is not retried at once)
    while len(outcomes) < limit:
        token, batch = _claim(items.filter(pk__gt=after).exclude(tenant_id__in=down),
                              limit=min(size, limit - len(outcomes)), force=force)
        if not batch:
            break
        started = time.monotonic()
        leftover, done, group_started = [], [], 0.0
        for item in batch:
            if item.tenant_id in down or timezone.now() > item.claimed_until - CLAIM_MARGIN:
                leftover.append(item)
                continue
            outcome, receipt = _send(item)
            after = item.pk
            if receipt is not None:
                group_started = group_started or time.monotonic()
                done.append((item, receipt))
            else:
                outcomes.append(outcome)
            if outcome == "waiting" and skip_down:
                down.add(item.tenant_id)  # this city's COWS is down: the rest wait for the next round
            if done and time.monotonic() - group_started >= GROUP_SECONDS:
                outcomes += _record_posted(done, actor=actor)
                done, group_started = [], 0.0
        if done:
            outcomes += _record_posted(done, actor=actor)
        _release(token, leftover)
        per_item = (time.monotonic() - started) / len(batch)
        size = max(1, min(MAX_BATCH, int(BATCH_SECONDS / max(per_item, 1e-4))))
    return outcomes


def post_item(*, item_id: int, force: bool = False, actor="task:post_payment") -> str:
    """Post one waiting item if this caller wins the claim; returns what happened."""
    outcomes = _post_batches(PaymentItem.objects.filter(pk=item_id), limit=1, force=force, actor=actor,
                             skip_down=False)
    return outcomes[0] if outcomes else "skipped"


def post_payment_items(*, payment_id: int, force: bool = False, actor="task:post_payment") -> list[str]:
    """Post a just-charged payment's waiting items (the task enqueued with the charge)."""
    items = PaymentItem.objects.filter(payment_id=payment_id)
    count = items.filter(post_state=PaymentItem.PostState.WAITING).count()
    # Every item is tried (each gets its own error and back-off), even when the first finds COWS down.
    return _post_batches(items, limit=count, force=force, actor=actor, skip_down=False) if count else []


def post_due_items(*, tenant=None, limit: int = 500, force: bool = False,
                   actor="task:post_waiting_payments") -> dict[str, int]:
    """Post every waiting item whose time has come (beat), or all of a city's now (Retry Now)."""
    items = PaymentItem.objects.all() if tenant is None else PaymentItem.objects.filter(tenant=tenant)
    counts: dict[str, int] = {}
    for outcome in _post_batches(items, limit=limit, force=force, actor=actor):
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
