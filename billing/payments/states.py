"""A payment's one state machine: `transition()` is the only place a Payment's state changes.

Each move is checked against ALLOWED, made with a conditional UPDATE (the row still in the state
the caller saw, so two racing callers cannot both make it), and recorded as a PaymentEvent with
who acted. The moves:

  created    → processing   the confirm request claims it (double clicks charge once)
  created    → failed       refused before any money moved
  processing → processing   still waiting (3-D Secure, an unanswered charge): recorded, not moved
  processing → charged      the provider said yes; the items wait to be posted (the outbox)
  processing → failed       declined
  charged    → posted       every item has its Cash Receipting receipt
  failed     → failed       a success arrived late (webhook, recovered answer): money was taken
                            after all; the payment is marked late_success_* for the office
  failed     → charged      the office chose "Post it" for such a late success
  failed     → refunded     the office chose "Refund it" for such a late success
  charged    → refunded,
  posted     → refunded     a refund of money taken (kept open for refunds from the office)
  charged    → returned,
  posted     → returned     the customer's bank took a settled bank debit back (an ACH return, R01...),
                            found in a later deposit by returns.py; a posted receipt stays posted

An actor says who acted: a signed-in customer, a guest, an office clerk (with their user), a task
("task:post_waiting_payments"), a provider's webhook ("webhook:stripe"), the provider's own report
("provider:sandbox", an ACH return) or recovery.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Payment, PaymentEvent

S = Payment.State
ALLOWED: dict[str, set[str]] = {
    S.CREATED: {S.PROCESSING, S.FAILED},
    S.PROCESSING: {S.PROCESSING, S.CHARGED, S.FAILED},
    S.CHARGED: {S.POSTED, S.REFUNDED, S.RETURNED},
    S.FAILED: {S.FAILED, S.CHARGED, S.REFUNDED},
    S.POSTED: {S.REFUNDED, S.RETURNED},
    S.REFUNDED: set(),
    S.RETURNED: set(),
}


class IllegalTransition(Exception):
    """A move the state machine does not allow (posted → failed, say); nothing was changed."""


class StateChanged(Exception):
    """Someone else moved the payment first (another request, a worker, a webhook); nothing was changed."""


@dataclass(frozen=True)
class Actor:
    """Who made a payment move: a label for the history, and the person when there is one."""

    label: str
    user: object = None

    @classmethod
    def customer(cls, user) -> Actor:
        if user is not None and getattr(user, "is_authenticated", False):
            return cls("customer", user)
        return cls("guest")

    @classmethod
    def clerk(cls, user) -> Actor:
        return cls("clerk", user)

    @classmethod
    def task(cls, name: str) -> Actor:
        return cls(f"task:{name}")

    @classmethod
    def webhook(cls, provider: str) -> Actor:
        return cls(f"webhook:{provider}")

    @classmethod
    def provider(cls, name: str) -> Actor:
        return cls(f"provider:{name}")


RECOVERY = Actor("recovery")


def as_actor(actor) -> Actor:
    """An Actor from what a caller has: an Actor, a label like "task:x", or a request's user."""
    if isinstance(actor, Actor):
        return actor
    if isinstance(actor, str):
        if not actor:
            raise ValueError("a payment move needs an actor")
        return Actor(actor)
    return Actor.customer(actor)


def _event(payment: Payment, *, from_state: str, to: str, reason: str, actor: Actor) -> PaymentEvent:
    return PaymentEvent.objects.create(
        tenant_id=payment.tenant_id, payment=payment, from_state=from_state, to_state=to, reason=reason[:300],
        actor=actor.label[:60], actor_user=actor.user if getattr(actor.user, "pk", None) else None)


def record_start(payment: Payment, *, reason: str, actor) -> PaymentEvent:
    """The first event of a just-saved payment (nothing → created)."""
    if payment.state != S.CREATED:
        raise IllegalTransition(f"a payment starts as created, not {payment.state}")
    return _event(payment, from_state="", to=S.CREATED, reason=reason, actor=as_actor(actor))


def transition(payment: Payment, to: str, *, reason: str, actor, **fields) -> Payment:
    """Move the payment to `to` (with any extra fields) if allowed and still where the caller saw it."""
    actor = as_actor(actor)
    from_state = payment.state
    if to not in ALLOWED.get(from_state, set()):
        raise IllegalTransition(f"a {from_state} payment cannot become {to} ({payment.reference})")
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():  # the move and its event commit together
            return transition(payment, to, reason=reason, actor=actor, **fields)
    moved = Payment.objects.filter(pk=payment.pk, state=from_state).update(state=to, **fields)
    if moved != 1:
        raise StateChanged(f"{payment.reference} is no longer {from_state}")
    payment.state = to
    for name, value in fields.items():
        setattr(payment, name, value)
    _event(payment, from_state=from_state, to=to, reason=reason, actor=actor)
    return payment


def transition_many(payment_ids: list[int], from_state: str, to: str, *, reason: str, actor, **fields) -> list[int]:
    """Move every listed payment still in `from_state` to `to` at once, an event each; returns those moved.

    Inside the caller's transaction: the rows are locked (PostgreSQL) or the write lock is held
    (SQLite), so the ones found are the ones moved. Used for a batch of receipts committed together.
    """
    actor = as_actor(actor)
    if to not in ALLOWED.get(from_state, set()):
        raise IllegalTransition(f"a {from_state} payment cannot become {to}")
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("transition_many runs inside the caller's transaction")
    rows = list(Payment.objects.select_for_update().filter(pk__in=payment_ids, state=from_state)
                .values_list("pk", "tenant_id"))
    if rows:
        Payment.objects.filter(pk__in=[pk for pk, _ in rows], state=from_state).update(state=to, **fields)
        user = actor.user if getattr(actor.user, "pk", None) else None
        PaymentEvent.objects.bulk_create([
            PaymentEvent(tenant_id=tenant_id, payment_id=pk, from_state=from_state, to_state=to, reason=reason[:300],
                         actor=actor.label[:60], actor_user=user) for pk, tenant_id in rows])
    return [pk for pk, _ in rows]


def can_move(payment: Payment, to: str) -> bool:
    """Whether the state machine allows this payment's next move to `to`."""
    return to in ALLOWED.get(payment.state, set())

