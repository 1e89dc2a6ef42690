"""Money taken for a payment already marked failed: kept for the office, never dropped.

A success that arrives after the payment failed (a late webhook, a recovered answer) is marked
on the payment (late_success_at, late_success_payment_id) by checkout.record_charge_result. The
office then chooses, on Pending Payments, one of:

  post it    failed → charged with the late charge's id; its items wait to be posted (once)
  refund it  the provider gives the money back (one refund for the payment's refund key), then
             failed → refunded

Each runs on the payment's row alone (the second click, or the other button, finds it moved and
does nothing), and records the clerk who chose.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import states
from .models import Payment, PaymentItem
from .providers import ProviderError, provider_for_payment

logger = logging.getLogger(__name__)


class AlreadyHandled(Exception):
    """Someone already posted or refunded this late success."""


def late_successes(*, tenant) -> QuerySet[Payment]:
    """The city's payments with money taken after they were marked failed, oldest first."""
    return (tenant.payments.filter(state=Payment.State.FAILED, late_success_at__isnull=False)
            .order_by("late_success_at", "id"))


def refund_key(payment: Payment) -> str:
    """The idempotency key of the one refund a payment can have."""
    return f"refund-{payment.idempotency_key}"[:80]


def _take(*, tenant, payment_id: int) -> Payment:
    # In a transaction: PostgreSQL locks the row; SQLite has taken the write lock at BEGIN (IMMEDIATE).
    payment = (tenant.payments.select_for_update().filter(pk=payment_id, state=Payment.State.FAILED,
                                                          late_success_at__isnull=False).first())
    if payment is None:
        raise AlreadyHandled(payment_id)
    return payment


def post_late_success(*, tenant, payment_id: int, acting_user) -> Payment:
    """Post it: take the late charge as the payment's and queue its receipts, exactly once."""
    from . import posting

    now = timezone.now()
    with transaction.atomic():
        payment = _take(tenant=tenant, payment_id=payment_id)
        try:
            states.transition(payment, Payment.State.CHARGED, actor=states.Actor.clerk(acting_user),
                              reason=f"office posts the late success {payment.late_success_payment_id}",
                              charged_at=now, provider_payment_id=payment.late_success_payment_id, failure_reason="")
        except states.StateChanged:
            raise AlreadyHandled(payment_id) from None
        payment.items.update(post_state=PaymentItem.PostState.WAITING, next_attempt_at=now, last_error="")
        transaction.on_commit(lambda: posting.enqueue_posting(payment_id=payment.pk))
    logger.info("late success posted by the office", extra={"reference": payment.reference,
                                                            "acting_user_id": acting_user.id})
    return payment


def refund_late_success(*, tenant, payment_id: int, acting_user) -> Payment:
    """Refund it: give the late charge back at the provider (once, by its key), then mark it refunded."""
    with transaction.atomic():
        payment = _take(tenant=tenant, payment_id=payment_id)
        # The provider call runs with the row held, so "Post it" cannot slip in between.
        result = provider_for_payment(payment).refund(provider_payment_id=payment.late_success_payment_id,
                                                      amount=payment.total, idempotency_key=refund_key(payment))
        if not result.succeeded:
            raise ProviderError(f"the refund {result.refund_id} did not go through")
        try:
            states.transition(payment, Payment.State.REFUNDED, actor=states.Actor.clerk(acting_user),
                              reason=f"office refunded the late success {payment.late_success_payment_id} "
                                     f"({result.refund_id})")
        except states.StateChanged:
            raise AlreadyHandled(payment_id) from None
    logger.info("late success refunded by the office", extra={"reference": payment.reference,
                                                              "acting_user_id": acting_user.id})
    return payment
