"""What Stripe says about a city's payments: its signed webhooks, and the page's own re-check.

Both end in checkout.record_charge_result, which records a payment's answer once, however many
times and from wherever it arrives (the confirm request, the customer's page after 3-D Secure,
a webhook, recover_processing).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .checkout import record_charge_result
from .models import Payment, PaymentSettings, ProviderEvent
from .providers import ProviderError, current_account, payment_settings, provider_for_payment
from .states import Actor
from .providers.stripe import IntentOutcome, StripeProvider, intent_outcome, to_cents

logger = logging.getLogger(__name__)

HANDLED_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed"}


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events for this city, signed with the webhook secret of one of its Stripe accounts; each handled once.

    Any account the city's payments started on counts (newest first): after a switch of keys, the
    payments still finishing on the old account are told about with the old account's secret.
    """
    tenant = request.tenant
    if tenant is None:
        raise Http404
    if payment_settings(tenant).provider == PaymentSettings.Provider.STRIPE:
        current_account(tenant)
    accounts = list(tenant.provider_accounts.filter(provider=StripeProvider.name).exclude(webhook_secret="")
                    .order_by("-created_at", "-id"))
    if not accounts:
        raise Http404
    event, problem = None, ""
    for account in accounts:
        try:
            event = StripeProvider(account).verified_event(payload=request.body,
                                                           signature=request.headers.get("Stripe-Signature", ""))
            break
        except ValueError as exc:
            problem = str(exc)
    if event is None:
        logger.warning("Stripe webhook refused: %s", problem)
        return HttpResponseBadRequest("bad signature or payload", content_type="text/plain")
    handled = handle_event(tenant=tenant, event=event)
    return HttpResponse("handled" if handled else "ignored", content_type="text/plain")


def handle_event(*, tenant, event: dict) -> bool:
    """Record what a payment_intent event says about one of this city's payments, once per event id."""
    if event.get("type") not in HANDLED_EVENTS:
        return False
    intent = (event.get("data") or {}).get("object") or {}
    if intent.get("object") != "payment_intent" or not intent.get("id"):
        return False
    reference = (intent.get("metadata") or {}).get("reference", "")
    # Inside this city only; another city's (or another app's) intent is none of ours. By the
    # intent's id first; by reference when the id never reached us (the create's answer was lost).
    stripe_payments = tenant.payments.filter(provider=PaymentSettings.Provider.STRIPE).select_related("provider_account")
    payment = stripe_payments.filter(provider_payment_id=intent["id"]).first()
    if payment is None and reference:
        payment = stripe_payments.filter(reference=reference, provider_payment_id="").first()
    if payment is None:
        return False
    with transaction.atomic():
        try:
            with transaction.atomic():
                ProviderEvent.objects.create(tenant=tenant, provider=StripeProvider.name, event_id=event["id"],
                                             event_type=event["type"])
        except IntegrityError:
            return False  # delivered before: handled then
        # An error below rolls the event row back too, so Stripe's next delivery tries again.
        record_outcome(payment=payment, outcome=intent_outcome(intent), actor=Actor.webhook(StripeProvider.name))
    return True


def record_outcome(*, payment: Payment, outcome: IntentOutcome, actor) -> Payment:
    """Record a final PaymentIntent on its payment; anything not final leaves the payment as it is."""
    if payment.provider_payment_id and payment.provider_payment_id != outcome.intent_id:
        logger.warning("a payment intent that is not this payment's own was ignored",
                       extra={"reference": payment.reference, "intent": outcome.intent_id})
        return payment
    if outcome.amount != to_cents(payment.total):
        logger.error("a payment intent's amount differs from the payment's total; not recorded",
                     extra={"reference": payment.reference, "intent": outcome.intent_id})
        return payment
    if outcome.succeeded:
        return record_charge_result(payment=payment, succeeded=True, provider_payment_id=outcome.intent_id,
                                    actor=actor)
    if outcome.failed:
        return record_charge_result(payment=payment, succeeded=False, provider_payment_id=outcome.intent_id,
                                    failure_message=outcome.failure_message, actor=actor)
    return payment


def refresh_payment(*, payment: Payment, actor=None) -> tuple[Payment, str]:
    """Ask Stripe about a payment still processing and record a final answer (`actor`: the page's viewer).

    Returns the payment and, when the customer's bank wants them to verify it (3-D Secure), the
    intent's client secret for Stripe.js on the page.
    """
    if (payment.state != Payment.State.PROCESSING or payment.provider != PaymentSettings.Provider.STRIPE
            or not payment.provider_payment_id):
        return payment, ""
    try:
        outcome = provider_for_payment(payment).payment_outcome(intent_id=payment.provider_payment_id)
    except ProviderError as exc:
        logger.warning("could not ask Stripe about a payment: %s", exc, extra={"reference": payment.reference})
        return payment, ""
    if outcome.requires_action:
        return payment, outcome.client_secret
    return record_outcome(payment=payment, outcome=outcome, actor=actor if actor is not None else payment.user), ""
