"""What Stripe's answers mean for us: intent outcomes, payment methods, cents, and errors of unknown outcome."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.utils.translation import gettext as _

from . import MethodInfo, ProviderError

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
