"""Payment providers behind one interface; each city chooses one (PaymentSettings.provider).

Every call that moves money takes an idempotency key from a Payment row saved before the call,
so a retry after a lost answer returns the first result instead of charging again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol


class ProviderError(Exception):
    """The provider could not be asked or did not answer; the outcome of a charge is unknown."""


@dataclass(frozen=True)
class MethodInfo:
    kind: str  # card or ach
    brand: str
    last4: str
    exp_month: int | None = None
    exp_year: int | None = None


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    provider_payment_id: str
    failure_message: str = ""
    deposit_date: date | None = None
    requires_action: bool = False  # the customer must finish in the page (Stripe 3-D Secure)
    client_secret: str = ""


class Provider(Protocol):
    name: str

    def describe(self, *, token: str) -> MethodInfo:
        """What a token stands for (brand, last 4); ValueError when it is unknown."""

    def charge(self, *, amount: Decimal, token: str, customer_token: str, idempotency_key: str,
               description: str, metadata: dict) -> ChargeResult:
        """Charge `amount` (the total, fee included) once for this idempotency key."""

    def save_method(self, *, token: str, customer_token: str, email: str) -> tuple[str, str]:
        """Keep the method for reuse; returns (reusable token, customer token)."""

    def delete_method(self, *, token: str, customer_token: str) -> None:
        """Forget a saved method at the provider."""


def get_provider(tenant) -> Provider:
    from billing.payments.models import PaymentSettings

    settings = payment_settings(tenant)
    if settings.provider == PaymentSettings.Provider.STRIPE:
        from .stripe import StripeProvider

        return StripeProvider(settings)
    from .sandbox import SandboxProvider

    return SandboxProvider(tenant)


def payment_settings(tenant):
    from billing.payments.models import PaymentSettings

    try:
        return tenant.payment_settings  # loaded with the tenant by the middleware
    except PaymentSettings.DoesNotExist:
        settings, _ = PaymentSettings.objects.get_or_create(tenant=tenant)
        tenant.payment_settings = settings
        return settings
