"""What paying adds to the portal: payment settings for each new city, and page context."""

from __future__ import annotations

from urllib.parse import urlparse

from django.conf import settings
from django.db.models.signals import post_save

from portal import registry
from portal.models import Tenant
from portal.signals import connect_tenant_cache

from .availability import in_test_mode
from .models import PaymentSettings
from .providers import payment_settings


def create_payment_settings(sender, instance, created, **kwargs):
    if created:
        PaymentSettings.objects.get_or_create(tenant=instance)


def cart_context(request) -> dict:
    return {"cart_enabled": payment_settings(request.tenant).allow_shopping_cart}


def guest_context(request) -> dict:
    return {"guest_payments": payment_settings(request.tenant).allow_guest_payments
            and request.tenant.has_module("other_payments")}


def hide_other_payments(tenant, modules):
    if payment_settings(tenant).allow_other_payments:
        return modules
    return [m for m in modules if m.key != "other_payments"]


def test_mode_context(request) -> dict:
    return {"payments_test_mode": in_test_mode(request.tenant)}


def stripe_sources(request) -> dict:
    """Stripe's documented CSP sources (Stripe.js, its API, the 3-D Secure frames), for a Stripe city only."""
    from .models import PaymentSettings

    if payment_settings(request.tenant).provider != PaymentSettings.Provider.STRIPE:
        return {}
    js, api = _origin(settings.STRIPE_JS_URL), _origin(settings.STRIPE_API_BASE or "https://api.stripe.com")
    return {"script-src": [js, "https://*.js.stripe.com"], "connect-src": [api],
            "frame-src": [js, "https://*.js.stripe.com", "https://hooks.stripe.com"]}


def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def connect() -> None:
    post_save.connect(create_payment_settings, sender=Tenant, dispatch_uid="billing-create-payment-settings")
    connect_tenant_cache(PaymentSettings)
    registry.add_page_context(cart_context)
    registry.add_landing_context(guest_context)
    registry.add_module_filter(hide_other_payments)
    registry.add_csp_sources(stripe_sources)
    registry.add_city_context(test_mode_context)
