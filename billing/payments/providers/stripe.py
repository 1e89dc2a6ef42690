"""Stripe: PaymentMethods made by Stripe.js in the customer's browser, one PaymentIntent per payment.

Every call builds its own client with the city's secret key (and STRIPE_API_BASE when set): no
module-level key or address is ever set, so cities never share Stripe state.

Charging once: the PaymentIntent is created unconfirmed with the payment's idempotency key (a
retry after a lost answer gets the same intent back, and an unconfirmed intent moves no money),
its id is saved and committed on the Payment, and only then is it confirmed. After a lost answer
that intent is retrieved and its status acted on (confirmed if it never was): another is never
created, so a payment still processing days later (a bank debit) is never charged twice either.

Off session (AutoPay, `customer_present=False`) the intent is created and confirmed in one call
with `off_session=True` and the saved customer, as Stripe documents for charges nobody watches;
its idempotency key covers a lost answer, and recovery never re-sends it once Stripe's 24-hour
key window may have passed. A bank asking for 3-D Secure then is a failure the customer can act on.

The city's Stripe account must have a webhook secret: a charge is refused without one, since a
payment left waiting (3-D Secure, a bank debit) is finished by the webhook.

An intent that is not final yet (the bank wants 3-D Secure; a bank debit is clearing) raises
PaymentPending, a ProviderError: checkout keeps the payment "processing", and the customer's page
(billing.payments.webhooks.refresh_payment), the webhook or recover_processing records the answer later.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import AUTHENTICATION_NEEDED_OFF_SESSION, ChargeResult, MethodInfo, ProviderError, RefundResult
from .stripe_objects import (  # noqa: F401  (webhooks and tests import these from here)
    IntentOutcome, PaymentPending, _intent_id_in, _unknown_outcome, intent_outcome, method_info, to_cents,
)

logger = logging.getLogger(__name__)

TIMEOUT = (5, 30)  # seconds to connect, to read: confirming waits on the card network
NETWORK_RETRIES = 2  # the SDK retries a dropped request with the same idempotency key
ABANDONED_AFTER = timedelta(hours=1)  # a 3-D Secure check not finished by then is cancelled
IDEMPOTENCY_WINDOW = timedelta(hours=23)  # Stripe keeps a key's first answer for at least 24 hours
AUTHENTICATION_CODES = {"authentication_required", "authentication_not_handled"}
PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,120}$")

def _sent_before(payment, moment) -> bool:
    """Whether this payment first went to Stripe before `moment` (its first "processing" event)."""
    first = payment.events.filter(to_state="processing").order_by("at").values_list("at", flat=True).first()
    return first is not None and first < moment


class StripeProvider:
    name = "stripe"

    def __init__(self, account):
        self.account = account  # a ProviderAccount: the keys a payment started on, or the city's current ones

    # --- plumbing ---------------------------------------------------------------------------

    def _client(self) -> stripe.StripeClient:
        if not self.account.secret_key:
            raise ProviderError("this Stripe account has no secret key")
        base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
        return stripe.StripeClient(self.account.secret_key, base_addresses=base,
                                   max_network_retries=NETWORK_RETRIES,
                                   http_client=stripe.RequestsClient(timeout=TIMEOUT))

    def _payment(self, idempotency_key: str):
        from billing.payments.models import Payment

        return (Payment.objects.filter(tenant_id=self.account.tenant_id, idempotency_key=idempotency_key)
                .select_related("user").first())

    # --- the Provider protocol ------------------------------------------------------------------

    def describe(self, *, token: str) -> MethodInfo:
        if not PAYMENT_METHOD_ID.match(token or ""):
            raise ValueError("not a Stripe PaymentMethod id")
        with _unknown_outcome():
            try:
                method = self._client().v1.payment_methods.retrieve(token).to_dict()
            except (stripe.InvalidRequestError, stripe.AuthenticationError, stripe.PermissionError) as exc:
                if not isinstance(exc, stripe.InvalidRequestError):
                    logger.error("Stripe refused this city's secret key: %s", exc)
                raise ValueError("Stripe does not know this payment method") from exc
        return method_info(method)

    def charge(self, *, amount: Decimal, token: str, customer_token: str, idempotency_key: str,
               description: str, metadata: dict, customer_present: bool) -> ChargeResult:
        cents = to_cents(amount)
        payment = self._payment(idempotency_key)
        started = payment is not None and payment.provider_payment_id.startswith("pi_")
        if not self.account.webhook_secret and not started:
            # A payment left waiting (3-D Secure, a bank debit) could never be finished: nothing is sent.
            logger.error("a Stripe charge was refused: the city's Stripe account has no webhook secret",
                         extra={"reference": metadata.get("reference")})
            return ChargeResult(succeeded=False, provider_payment_id="", failure_message=_(
                "Online payments are not fully set up. Nothing was charged. Please contact the office."))
        client = self._client()
        with _unknown_outcome():
            if started:
                outcome = self._ask_again(client, payment.provider_payment_id, idempotency_key)
                if outcome.status == "requires_confirmation" and customer_present:
                    outcome = self._confirm(client, outcome.intent_id, idempotency_key)
            elif payment is not None and _sent_before(payment, timezone.now() - IDEMPOTENCY_WINDOW):
                # Sent long ago and never named: a new request could charge again. The office decides.
                raise ProviderError("Stripe never named this payment's intent and its key may have expired")
            else:
                try:
                    outcome = self._create_intent(client, cents=cents, token=token, customer_token=customer_token,
                                                  idempotency_key=idempotency_key, description=description,
                                                  metadata=metadata, payment=payment,
                                                  customer_present=customer_present)
                except stripe.CardError as exc:
                    if not customer_present and (exc.code in AUTHENTICATION_CODES
                                                 or (exc.json_body or {}).get("error", {}).get("decline_code")
                                                 in AUTHENTICATION_CODES):
                        return ChargeResult(succeeded=False, provider_payment_id=_intent_id_in(exc),
                                            failure_message=str(AUTHENTICATION_NEEDED_OFF_SESSION))
                    return ChargeResult(succeeded=False, provider_payment_id=_intent_id_in(exc),
                                        failure_message=exc.user_message or _("The payment was declined."))
                except (stripe.InvalidRequestError, stripe.AuthenticationError, stripe.PermissionError) as exc:
                    # Stripe refused the request itself: nothing was charged.
                    logger.error("Stripe refused a payment: %s", exc, extra={"reference": metadata.get("reference")})
                    return ChargeResult(succeeded=False, provider_payment_id=_intent_id_in(exc),
                                        failure_message=_("The payment could not be made with this payment method. "
                                                          "Please try another one."))
                if isinstance(outcome, ChargeResult):
                    return outcome
        if outcome.amount != cents:
            raise ProviderError(f"payment intent {outcome.intent_id} is for {outcome.amount} cents, not {cents}")
        if outcome.succeeded:
            return ChargeResult(succeeded=True, provider_payment_id=outcome.intent_id)
        if outcome.failed:
            return ChargeResult(succeeded=False, provider_payment_id=outcome.intent_id,
                                failure_message=outcome.failure_message)
        if outcome.requires_action and not customer_present:
            # Nobody is there to answer the bank: stop the intent and say what the customer can do.
            self._cancel(client, outcome.intent_id, idempotency_key)
            return ChargeResult(succeeded=False, provider_payment_id=outcome.intent_id,
                                failure_message=str(AUTHENTICATION_NEEDED_OFF_SESSION))
        raise PaymentPending(outcome)

    def _cancel(self, client, intent_id: str, idempotency_key: str) -> None:
        try:
            client.v1.payment_intents.cancel(intent_id, options={"idempotency_key": f"{idempotency_key}-cancel"})
        except stripe.StripeError as exc:  # it lapses by itself; the payment is failed either way
            logger.warning("could not cancel an off-session intent %s: %s", intent_id, exc)

    def _confirm(self, client, intent_id: str, idempotency_key: str) -> IntentOutcome:
        """Confirm the saved intent: the one request that moves money, under its own key."""
        intent = client.v1.payment_intents.confirm(intent_id, options={"idempotency_key": f"{idempotency_key}-confirm"})
        return intent_outcome(intent.to_dict())

    def _create_intent(self, client, *, cents, token, customer_token, idempotency_key, description, metadata, payment,
                       customer_present):
        from billing.payments.models import Payment

        if not PAYMENT_METHOD_ID.match(token or ""):
            return ChargeResult(succeeded=False, provider_payment_id="", failure_message=_("Choose a payment method."))
        method = client.v1.payment_methods.retrieve(token).to_dict()
        customer = customer_token or (payment.customer_token if payment is not None else "")
        if method.get("customer") and method["customer"] != customer:
            # Saved by someone else: Stripe would refuse it too, but say so before asking.
            logger.warning("a payment method of another Stripe customer was offered",
                           extra={"reference": metadata.get("reference")})
            return ChargeResult(succeeded=False, provider_payment_id="", failure_message=_("Choose a payment method."))
        if not customer and payment is not None and payment.save_method and payment.user_id:
            customer = self._customer_for(client, user=payment.user, key=f"{idempotency_key}-customer")
            Payment.objects.filter(pk=payment.pk, customer_token="").update(customer_token=customer)
        if customer and not method.get("customer"):
            # Attached before the charge: Stripe will not attach a method already used without a customer.
            client.v1.payment_methods.attach(token, params={"customer": customer},
                                             options={"idempotency_key": f"{idempotency_key}-attach"})
        params = {
            "amount": cents, "currency": "usd", "payment_method": token, "confirm": not customer_present,
            # Only this method's type: no redirect-based methods, so no return_url (and localstripe accepts it).
            "payment_method_types": [method["type"]],
            "metadata": {**{k: str(v) for k, v in metadata.items()}, "description": description[:500]},
        }
        if customer:
            params["customer"] = customer
        if not customer_present:
            params["off_session"] = True
        intent = client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key}).to_dict()
        if payment is not None:
            # Committed at once (autocommit), before the confirm: a lost answer from here on is
            # resolved by retrieving this intent, never by making another.
            Payment.objects.filter(pk=payment.pk, provider_payment_id="").update(provider_payment_id=intent["id"])
        if intent.get("status") == "requires_confirmation" and customer_present:
            return self._confirm(client, intent["id"], idempotency_key)
        return intent_outcome(intent)

    def _ask_again(self, client, intent_id: str, idempotency_key: str) -> IntentOutcome:
        """The intent made earlier for this payment; a 3-D Secure check left for too long is cancelled."""
        try:
            intent = client.v1.payment_intents.retrieve(intent_id).to_dict()
            created = datetime.fromtimestamp(int(intent.get("created") or 0), tz=dt_timezone.utc)
            if intent.get("status") == "requires_action" and created < timezone.now() - ABANDONED_AFTER:
                intent = client.v1.payment_intents.cancel(
                    intent_id, options={"idempotency_key": f"{idempotency_key}-cancel"}).to_dict()
        except stripe.StripeError as exc:
            raise ProviderError(f"could not read payment intent {intent_id}: {exc}") from exc
        return intent_outcome(intent)

    def _customer_for(self, client, *, user, key: str) -> str:
        """The user's Stripe customer at this city (the one their wallet already uses), or a new one."""
        from billing.payments.models import PaymentMethod

        existing = (PaymentMethod.objects.filter(tenant_id=self.account.tenant_id, user=user, provider=self.name)
                    .exclude(customer_token="").order_by("created_at", "id").values_list("customer_token", flat=True)
                    .first())
        if existing:
            return existing
        return client.v1.customers.create(
            params={"email": user.email, "metadata": {"user": str(user.pk)}}, options={"idempotency_key": key}).id

    def save_method(self, *, token: str, customer_token: str, email: str) -> tuple[str, str]:
        client = self._client()
        with _unknown_outcome():
            try:
                method = client.v1.payment_methods.retrieve(token).to_dict()
                if method.get("customer"):
                    # Attached by charge() to this user's customer (it refuses anyone else's method).
                    return token, method["customer"]
                customer = customer_token or client.v1.customers.create(
                    params={"email": email}, options={"idempotency_key": f"customer-{token}"}).id
                client.v1.payment_methods.attach(token, params={"customer": customer},
                                                 options={"idempotency_key": f"attach-{token}-{customer}"})
            except stripe.StripeError as exc:
                raise ProviderError(f"Stripe could not keep the payment method: {exc}") from exc
        return token, customer

    def delete_method(self, *, token: str, customer_token: str) -> None:
        with _unknown_outcome():
            try:
                self._client().v1.payment_methods.detach(token)
            except stripe.InvalidRequestError as exc:
                logger.info("Stripe had already forgotten a payment method: %s", exc)
            except stripe.StripeError as exc:
                raise ProviderError(f"Stripe could not detach the payment method: {exc}") from exc

    def refund(self, *, provider_payment_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        with _unknown_outcome():
            try:
                refund = self._client().v1.refunds.create(
                    params={"payment_intent": provider_payment_id, "amount": to_cents(amount)},
                    options={"idempotency_key": idempotency_key})
            except stripe.StripeError as exc:
                raise ProviderError(f"Stripe could not refund {provider_payment_id}: {exc}") from exc
        return RefundResult(refund_id=refund.id, succeeded=refund.status in ("succeeded", "pending"))

    # --- beyond the protocol: the page's re-check and webhooks -------------------------------

    def payment_outcome(self, *, intent_id: str) -> IntentOutcome:
        """The PaymentIntent as Stripe has it now."""
        with _unknown_outcome():
            try:
                return intent_outcome(self._client().v1.payment_intents.retrieve(intent_id).to_dict())
            except stripe.StripeError as exc:
                raise ProviderError(f"could not read payment intent {intent_id}: {exc}") from exc

    def verified_event(self, *, payload: bytes, signature: str) -> dict:
        """The event, if Stripe signed this exact body with the city's webhook secret; ValueError if not."""
        secret = self.account.webhook_secret
        if not secret:
            raise ValueError("this Stripe account has no webhook secret")
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
            event = json.loads(text)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"not a valid Stripe event: {exc}") from exc
        if not isinstance(event, dict) or not event.get("id") or not isinstance(event.get("data"), dict):
            raise ValueError("not a Stripe event")
        return event
