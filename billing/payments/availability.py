"""Whether a city can take payments: the sandbox never takes money in production.

In production (DJANGO_ENV=production) the sandbox cannot be chosen or used; a city without a real
provider shows "Online payments are not set up yet" on every page that would take a payment.
Outside production a city on the sandbox shows a "Test mode" banner on every page.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .models import PaymentSettings
from .providers import payment_settings

Provider = PaymentSettings.Provider


class PaymentsNotSetUp(RuntimeError):
    """The city has no provider that may take money here; nothing was sent anywhere."""


def selectable_providers() -> list[tuple[str, str]]:
    """The providers an office may choose: never the sandbox in production."""
    choices = [(Provider.STRIPE, _("Stripe")), (Provider.NOT_SET_UP, _("Not set up (no online payments)"))]
    if not settings.PRODUCTION:
        choices.insert(0, (Provider.SANDBOX, _("Sandbox (test payments, no money moves)")))
    return choices


def check_provider_allowed(provider: str) -> None:
    """Raise PaymentsNotSetUp unless `provider` may take payments in this deployment."""
    if provider == Provider.SANDBOX and settings.PRODUCTION:
        raise PaymentsNotSetUp("The sandbox provider is refused in production (DJANGO_ENV=production): "
                               "it moves no money. Choose a real provider in Admin - Payment settings.")
    if provider not in (Provider.SANDBOX, Provider.STRIPE):
        raise PaymentsNotSetUp(f"Online payments are not set up for this city (provider {str(provider)!r}).")


def payments_ready(tenant) -> bool:
    """True when the city's chosen provider may take payments here (Stripe with its keys, or the sandbox outside production)."""
    chosen = payment_settings(tenant)
    if chosen.provider == Provider.STRIPE:
        return bool(chosen.stripe_publishable_key and chosen.stripe_secret_key)
    return chosen.provider == Provider.SANDBOX and not settings.PRODUCTION


def in_test_mode(tenant) -> bool:
    """True when the city's payments go to the sandbox (never in production)."""
    return not settings.PRODUCTION and payment_settings(tenant).provider == Provider.SANDBOX


def payments_set_up(view):
    """A page that takes a payment shows "Online payments are not set up yet" while the city cannot take one."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not payments_ready(request.tenant):
            return render(request, "pay/not_set_up.html")
        return view(request, *args, **kwargs)

    return wrapper
