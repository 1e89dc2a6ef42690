"""Payment providers behind one interface; each city chooses one (PaymentSettings.provider).

Every call that moves money takes an idempotency key from a Payment row saved before the call,
so a retry after a lost answer returns the first result instead of charging again.

A new checkout uses the city's current choice (`get_provider`); everything later on a payment
(recovery, webhooks, refunds, saving the method after the charge) uses the provider and keys the
payment started on (`provider_for_payment`), recorded as its ProviderAccount.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext_lazy as _

# Said to a customer whose bank wanted a 3-D Secure check on a charge made while they were away (AutoPay).
AUTHENTICATION_NEEDED_OFF_SESSION = _(
    "Your bank asked you to confirm this payment, and you were not there to do it. "
    "Please pay online, or update your payment method.")


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


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    succeeded: bool


class Provider(Protocol):
    name: str

    def describe(self, *, token: str) -> MethodInfo:
        """What a token stands for (brand, last 4); ValueError when it is unknown."""

    def charge(self, *, amount: Decimal, token: str, customer_token: str, idempotency_key: str,
               description: str, metadata: dict, customer_present: bool) -> ChargeResult:
        """Charge `amount` (the total, fee included) once for this idempotency key.

        With `customer_present` False (AutoPay) nobody can answer a bank's 3-D Secure check: such a
        charge fails with AUTHENTICATION_NEEDED_OFF_SESSION instead of waiting for the customer.
        """

    def save_method(self, *, token: str, customer_token: str, email: str) -> tuple[str, str]:
        """Keep the method for reuse; returns (reusable token, customer token)."""

    def delete_method(self, *, token: str, customer_token: str) -> None:
        """Forget a saved method at the provider."""

    def refund(self, *, provider_payment_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        """Give back `amount` of a charge, once for this idempotency key; ProviderError when it could not."""


def get_provider(tenant) -> Provider:
    """The city's current provider and keys: for new checkouts only."""
    return provider_from_account(current_account(tenant))


def provider_for_payment(payment) -> Provider:
    """The provider and keys this payment started on, whatever the city uses now."""
    account = payment.provider_account
    if account is None:
        raise ProviderError(f"payment {payment.reference} has no recorded provider account")
    return provider_from_account(account)


def provider_from_account(account) -> Provider:
    from ..availability import check_provider_allowed

    check_provider_allowed(account.provider)  # never the sandbox in production
    if account.provider == "stripe":
        from .stripe import StripeProvider

        return StripeProvider(account)
    if account.provider == "sandbox":
        from .sandbox import SandboxProvider

        return SandboxProvider(account.tenant, account=account)
    # "none": the city has no provider set up; nothing can be charged (and never by the sandbox).
    raise ProviderError(f"no payment provider is set up ({account.provider!r})")


def fingerprint(*, provider: str, publishable_key: str = "", secret_key: str = "", webhook_secret: str = "",
                name: str = "") -> str:
    """A name for one set of keys that reveals none of them (the secrets are long and random).

    A Utility account brings its name, so it differs from the General one even on the same keys (sandbox).
    """
    parts = (provider, publishable_key, secret_key, webhook_secret) + ((f"utility:{name}",) if name else ())
    text = "\0".join(parts)
    return hashlib.sha256(text.encode()).hexdigest()


def account_keys(settings) -> dict:
    """The provider and keys the city's payment settings choose now."""
    if settings.provider == "stripe":
        return {"provider": "stripe", "publishable_key": settings.stripe_publishable_key,
                "secret_key": settings.stripe_secret_key, "webhook_secret": settings.stripe_webhook_secret}
    return {"provider": settings.provider, "publishable_key": "", "secret_key": "", "webhook_secret": ""}


def current_account(tenant, *, utility_bills: bool = False):
    """The ProviderAccount of the city's current settings, made the first time these keys are used.

    With `utility_bills` (a checkout of utility bills only), the city's Utility account in use on the
    same provider when it has one: never a removed (retired) one, nor a Stripe one whose keys are test
    keys while the General account's are live (or the other way round), so that no utility bill is
    charged where no money moves.
    """
    keys = account_keys(payment_settings(tenant))
    account, _ = tenant.provider_accounts.get_or_create(
        fingerprint=fingerprint(**keys), defaults={**keys, "name": lambda: general_name_in_use(tenant)})
    account.tenant = tenant
    if utility_bills and account.provider == "sandbox":  # Stripe: one account (billing/payments/utility_account.py)
        utility = utility_account_in_use(tenant, provider=account.provider)
        if utility is not None and same_mode(utility, account):
            utility.tenant = tenant
            return utility
    return account


def general_name_in_use(tenant) -> str:
    """The name the office gave its newest General account ("" if none): a new General account keeps it."""
    return (tenant.provider_accounts.filter(purpose="general").exclude(name="").order_by("-id")
            .values_list("name", flat=True).first() or "")


def utility_account_in_use(tenant, *, provider: str):
    """The city's Utility account on `provider` that the office has not removed, or None."""
    return (tenant.provider_accounts.filter(purpose="utility", provider=provider, retired_at__isnull=True)
            .order_by("-id").first())


def same_mode(utility, general) -> bool:
    """Whether both accounts' keys are test keys or both live keys (always so on the sandbox)."""
    from ..stripe_keys import mode

    return {mode(utility.publishable_key), mode(general.publishable_key)} - {""} != {"test", "live"}


def add_utility_account(*, tenant, name: str, keys: dict | None = None, general_name: str = ""):
    """Give the city a second account at its provider for utility bills (and name the General one).

    For the demo and tests; the office uses utility_account.save_utility_account from Payment Providers.
    """
    general = current_account(tenant)
    if general_name and general.name != general_name:
        type(general).objects.filter(pk=general.pk).update(name=general_name)
        general.name = general_name
    keys = keys or account_keys(payment_settings(tenant))
    account, _ = tenant.provider_accounts.get_or_create(
        fingerprint=fingerprint(**keys, name=name), defaults={**keys, "name": name, "purpose": "utility"})
    account.tenant = tenant
    return account


def payment_settings(tenant):
    from billing.payments.models import PaymentSettings

    try:
        return tenant.payment_settings  # loaded with the tenant by the middleware
    except PaymentSettings.DoesNotExist:
        settings, _ = PaymentSettings.objects.get_or_create(tenant=tenant)
        tenant.payment_settings = settings
        return settings
