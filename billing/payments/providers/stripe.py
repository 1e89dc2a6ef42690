"""Stripe: PaymentMethods made by Stripe.js in the customer's browser, one PaymentIntent per payment.

Every call builds its own client with the city's secret key (and STRIPE_API_BASE when set): no
module-level key or address is ever set, so cities never share Stripe state.

Charging once: the PaymentIntent is created with the payment's idempotency key, so a retry after
a lost answer gets Stripe's first answer back for 24 hours. The intent's id is also saved on the
Payment as soon as Stripe names it, and a later ask retrieves that intent instead of creating one,
so a payment still processing days later (a bank debit) is never charged twice either.

An intent that is not final yet (the bank wants 3-D Secure; a bank debit is clearing) raises
PaymentPending, a ProviderError: checkout keeps the payment "processing", and the customer's page
(billing.payments.webhooks.refresh_payment), the webhook or recover_processing records the answer later.
"""

from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ChargeResult, MethodInfo, ProviderError

logger = logging.getLogger(__name__)

TIMEOUT = (5, 30)  # seconds to connect, to read: confirming waits on the card network
NETWORK_RETRIES = 2  # the SDK retries a dropped request with the same idempotency key
ABANDONED_AFTER = timedelta(hours=1)  # a 3-D Secure check not finished by then is cancelled
PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,120}$")
BRANDS = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover",
          "diners": "Diners Club", "jcb": "JCB", "unionpay": "UnionPay", "cartes_bancaires": "Cartes Bancaires"}
METHOD_TYPES = {"card": "card", "us_bank_account": "ach"}


class PaymentPending(ProviderError):
    """Stripe has the payment but it is not final: the customer must verify it, or a bank debit is clearing."""

    def __init__(self, outcome: IntentOutcome):
        super().__init__(f"payment intent {outcome.intent_id} is {outcome.status}")
        self.outcome = outcome


@dataclass(frozen=True)
class IntentOutcome:
    """What a PaymentIntent came to, read from Stripe's JSON."""

    intent_id: str
    status: str
    amount: int
    reference: str = ""
    client_secret: str = ""
    failure_message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    @property
    def failed(self) -> bool:
        # After a declined or unverified attempt Stripe waits for another method; we never give it one.
        return self.status in ("requires_payment_method", "canceled")

    @property
    def requires_action(self) -> bool:
        return self.status == "requires_action"


def to_cents(amount: Decimal) -> int:
    """Dollars as Stripe's integer cents, exactly; ValueError for a fraction of a cent."""
    cents = Decimal(amount) * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def intent_outcome(intent: dict) -> IntentOutcome:
    error = intent.get("last_payment_error") or {}
    message = ""
    if intent.get("status") == "canceled":
        message = _("The payment was cancelled (it was not verified in time). Nothing was charged.")
    elif intent.get("status") == "requires_payment_method":
        message = error.get("message") or _("The payment was declined.")
    return IntentOutcome(intent_id=intent["id"], status=intent.get("status") or "",
                         amount=int(intent.get("amount") or 0),
                         reference=(intent.get("metadata") or {}).get("reference", ""),
                         client_secret=intent.get("client_secret") or "", failure_message=message)


def method_info(method: dict) -> MethodInfo:
    kind = METHOD_TYPES.get(method.get("type"))
    if kind == "card":
        card = method["card"]
        brand = card.get("brand") or "card"
        return MethodInfo(kind="card", brand=BRANDS.get(brand, brand.replace("_", " ").title()), last4=card["last4"],
                          exp_month=card.get("exp_month"), exp_year=card.get("exp_year"))
    if kind == "ach":
        bank = method["us_bank_account"]
        # As the sandbox does: the account type is the "brand" of a bank account.
        return MethodInfo(kind="ach", brand=(bank.get("account_type") or "bank account").title(), last4=bank["last4"])
    raise ValueError(f"unsupported payment method type {method.get('type')!r}")


@contextmanager
def _unknown_outcome():
    """Stripe could not be asked or did not answer: what happened is unknown."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError, stripe.IdempotencyError) as exc:
        raise ProviderError(f"Stripe did not answer: {type(exc).__name__}: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:  # anything unforeseen: never taken as a decline
        raise ProviderError(f"unexpected answer from Stripe: {type(exc).__name__}: {exc}") from exc


def _intent_id_in(exc: stripe.StripeError) -> str:
    """The PaymentIntent a card error names (Stripe includes it; localstripe names only the charge)."""
    error = (exc.json_body or {}).get("error") or {}
    intent = error.get("payment_intent") or {}
    return intent.get("id", "") if isinstance(intent, dict) else str(intent)


class StripeProvider:
    name = "stripe"

    def __init__(self, payment_settings):
        self.config = payment_settings

    # --- plumbing ---------------------------------------------------------------------------

    def _client(self) -> stripe.StripeClient:
        if not self.config.stripe_secret_key:
            raise ProviderError("this city has no Stripe secret key")
        base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
        return stripe.StripeClient(self.config.stripe_secret_key, base_addresses=base,
                                   max_network_retries=NETWORK_RETRIES,
                                   http_client=stripe.RequestsClient(timeout=TIMEOUT))

    def _payment(self, idempotency_key: str):
        from billing.payments.models import Payment

        return (Payment.objects.filter(tenant_id=self.config.tenant_id, idempotency_key=idempotency_key)
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
               description: str, metadata: dict) -> ChargeResult:
        cents = to_cents(amount)
        payment = self._payment(idempotency_key)
        client = self._client()
        with _unknown_outcome():
            if payment is not None and payment.provider_payment_id.startswith("pi_"):
                outcome = self._ask_again(client, payment.provider_payment_id, idempotency_key)
            else:
                try:
                    outcome = self._create_intent(client, cents=cents, token=token, customer_token=customer_token,
                                                  idempotency_key=idempotency_key, description=description,
                                                  metadata=metadata, payment=payment)
                except stripe.CardError as exc:
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
        raise PaymentPending(outcome)

    def _create_intent(self, client, *, cents, token, customer_token, idempotency_key, description, metadata, payment):
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
            "amount": cents, "currency": "usd", "payment_method": token, "confirm": True,
            # Only this method's type: no redirect-based methods, so no return_url (and localstripe accepts it).
            "payment_method_types": [method["type"]],
            "metadata": {**{k: str(v) for k, v in metadata.items()}, "description": description[:500]},
        }
        if customer:
            params["customer"] = customer
        intent = client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key}).to_dict()
        if payment is not None:
            Payment.objects.filter(pk=payment.pk, provider_payment_id="").update(provider_payment_id=intent["id"])
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

        existing = (PaymentMethod.objects.filter(tenant_id=self.config.tenant_id, user=user, provider=self.name)
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
        secret = self.config.stripe_webhook_secret
        if not secret:
            raise ValueError("this city has no Stripe webhook secret")
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE)
            event = json.loads(text)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"not a valid Stripe event: {exc}") from exc
        if not isinstance(event, dict) or not event.get("id") or not isinstance(event.get("data"), dict):
            raise ValueError("not a Stripe event")
        return event
