"""The payment state machine: one transition(), allowed moves only, an event with an actor for each."""

from __future__ import annotations

import pytest

from billing.payments.models import Payment, PaymentEvent
from billing.payments.states import Actor, IllegalTransition, StateChanged, transition

from ..adminpanel.helpers import make_payment


def test_a_posted_payment_cannot_become_failed_and_nothing_changes(riverton):
    payment = make_payment(riverton, state=Payment.State.POSTED)
    with pytest.raises(IllegalTransition):
        transition(payment, Payment.State.FAILED, reason="oops", actor="task:test")
    payment.refresh_from_db()
    assert payment.state == Payment.State.POSTED
    assert not PaymentEvent.objects.filter(payment=payment).exists()


def test_a_move_someone_else_made_first_is_refused_and_recorded_once(riverton):
    payment = make_payment(riverton, state=Payment.State.CREATED)
    stale = Payment.objects.get(pk=payment.pk)
    transition(payment, Payment.State.PROCESSING, reason="charging", actor=Actor.customer(riverton.resident))
    with pytest.raises(StateChanged):
        transition(stale, Payment.State.PROCESSING, reason="charging", actor="guest")
    events = list(PaymentEvent.objects.filter(payment=payment).values_list("from_state", "to_state", "actor", "actor_user"))
    assert events == [("created", "processing", "customer", riverton.resident.pk)]
