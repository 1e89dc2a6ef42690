"""What paying adds to the portal: payment settings for each new city, and page context."""

from __future__ import annotations

from django.db.models.signals import post_save

from portal import registry
from portal.models import Tenant
from portal.signals import connect_tenant_cache

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


def connect() -> None:
    post_save.connect(create_payment_settings, sender=Tenant, dispatch_uid="billing-create-payment-settings")
    connect_tenant_cache(PaymentSettings)
    registry.add_page_context(cart_context)
    registry.add_landing_context(guest_context)
    registry.add_module_filter(hide_other_payments)
