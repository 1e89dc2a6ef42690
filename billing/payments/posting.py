"""Posting charged payments to Cash Receipting: the outbox's worker side.

An item is claimed atomically (only one worker, or one "Retry Now", posts it at a time), posted
with its own reference, and marked posted with the confirmation number. COWS keeps receipts
idempotent by reference, and the bridge looks a receipt up by reference after a lost answer, so
a crash anywhere in between leads to the same single receipt. Failures wait with back-off.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cows_bridge import client as cows
from cows_bridge.errors import CowsError, CowsRejected, CowsUnavailable
from portal.context import current_tenant_slug

from .models import Payment, PaymentEvent, PaymentItem

logger = logging.getLogger(__name__)
CLAIM_FOR = timedelta(seconds=90)
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


def _claim(item_id: int, *, force: bool = False) -> bool:
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    query = PaymentItem.objects.filter(pk=item_id, post_state=PaymentItem.PostState.WAITING).filter(free)
    if not force:
        query = query.filter(due)
    return query.update(claimed_until=now + CLAIM_FOR, attempts=F("attempts") + 1) == 1


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


def post_item(*, item_id: int, force: bool = False) -> str:
    """Post one waiting item if this caller wins the claim; returns what happened."""
    if not _claim(item_id, force=force):
        return "skipped"
    item = PaymentItem.objects.select_related("payment", "tenant").get(pk=item_id)
    current_tenant_slug.set(item.tenant.slug)
    try:
        receipt = cows.post_receipt(item.tenant, _payload(item))
    except CowsRejected as exc:
        # The office's system refused it (closed account, bad category...): a person must look.
        _failed(item, f"Caselle refused the receipt: {exc}", timedelta(hours=1))
        return "rejected"
    except (CowsUnavailable, CowsError) as exc:
        _failed(item, str(exc), backoff(item.attempts))
        return "waiting"
    now = timezone.now()
    with transaction.atomic():
        updated = PaymentItem.objects.filter(pk=item.pk, post_state=PaymentItem.PostState.WAITING).update(
            post_state=PaymentItem.PostState.POSTED, confirmation_number=receipt.confirmation_number,
            posted_at=now, last_error="", claimed_until=None, next_attempt_at=None)
        if updated:
            payment = Payment.objects.select_for_update().get(pk=item.payment_id)
            if payment.state == Payment.State.CHARGED and not payment.items.exclude(
                    post_state=PaymentItem.PostState.POSTED).exists():
                PaymentEvent.objects.create(tenant_id=payment.tenant_id, payment=payment, from_state=payment.state,
                                            to_state=Payment.State.POSTED, reason="posted to Cash Receipting")
                payment.state = Payment.State.POSTED
                payment.posted_at = now
                payment.save(update_fields=["state", "posted_at"])
    logger.info("receipt posted", extra={"reference": item.reference, "confirmation": receipt.confirmation_number})
    return "posted"


def _failed(item: PaymentItem, reason: str, wait: timedelta) -> None:
    PaymentItem.objects.filter(pk=item.pk).update(last_error=reason[:300], claimed_until=None,
                                                  next_attempt_at=timezone.now() + wait)
    logger.warning("receipt not posted yet: %s", reason, extra={"reference": item.reference})


def post_payment_items(*, payment_id: int, force: bool = False) -> list[str]:
    ids = list(PaymentItem.objects.filter(payment_id=payment_id, post_state=PaymentItem.PostState.WAITING)
               .values_list("id", flat=True))
    return [post_item(item_id=i, force=force) for i in ids]


def post_due_items(*, tenant=None, limit: int = 500, force: bool = False) -> dict[str, int]:
    """Post every waiting item whose time has come (beat), or all of a city's now (Retry Now)."""
    now = timezone.now()
    items = PaymentItem.objects.filter(post_state=PaymentItem.PostState.WAITING)
    if tenant is not None:
        items = items.filter(tenant=tenant)
    if not force:
        items = items.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    counts: dict[str, int] = {}
    down: set[int] = set()
    for item_id, tenant_id in items.order_by("id").values_list("id", "tenant_id")[:limit]:
        if tenant_id in down:
            continue  # this city's COWS is down: the rest wait for the next round
        outcome = post_item(item_id=item_id, force=force)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == "waiting":
            down.add(tenant_id)
    return counts
