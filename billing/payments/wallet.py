"""The wallet: the payment methods a portal user keeps (provider tokens, brand and last 4; never a number)."""

from __future__ import annotations

import logging
from typing import Callable

from django.utils import timezone

from .models import Payment, PaymentMethod
from .providers import ProviderError, get_provider, provider_for_payment

logger = logging.getLogger(__name__)

# What other apps do with a saved method (AutoPay charges it), registered by them: billing imports none of them.
#   method_uses      callables(*, method) -> [str]: what deleting it would stop, said to its owner
#   method_deleting  callables(*, method, acting_user) -> [str]: stop those uses (before the delete); what was stopped
method_uses: list[Callable[..., list[str]]] = []
method_deleting: list[Callable[..., list[str]]] = []


def uses_of(*, method: PaymentMethod) -> list[str]:
    """What deleting this method would stop, in its owner's words (empty: nothing uses it)."""
    return [use for hook in method_uses for use in hook(method=method)]


def _keep(*, tenant, user, provider, token: str) -> PaymentMethod:
    if PaymentMethod.objects.filter(tenant=tenant, provider=provider.name, token=token).exclude(user=user).exists():
        raise ValueError("this token is another person's saved method")  # never moved to someone else
    info = provider.describe(token=token)
    existing_customer = (PaymentMethod.objects.filter(tenant=tenant, user=user, provider=provider.name)
                         .exclude(customer_token="").values_list("customer_token", flat=True).first() or "")
    token, customer_token = provider.save_method(token=token, customer_token=existing_customer, email=user.email)
    method, _ = PaymentMethod.objects.update_or_create(
        tenant=tenant, provider=provider.name, token=token,
        defaults={"user": user, "customer_token": customer_token, "kind": info.kind, "brand": info.brand,
                  "last4": info.last4, "exp_month": info.exp_month, "exp_year": info.exp_year, "deleted_at": None})
    return method


def add_to_wallet(*, tenant, user, token: str) -> PaymentMethod:
    """Keep a new method (a token from the provider's page script) without paying (AutoPay's new card or account).

    ValueError when the provider does not know the token; ProviderError when it cannot be asked.
    """
    return _keep(tenant=tenant, user=user, provider=get_provider(tenant), token=token)


def save_to_wallet(*, payment: Payment) -> PaymentMethod:
    """Keep the method a payment was made with, at the provider account that charged it."""
    return _keep(tenant=payment.tenant, user=payment.user, provider=provider_for_payment(payment),
                 token=payment.method_token)


def delete_method(*, method: PaymentMethod, acting_user) -> list[str]:
    """Remove a method from the wallet (and from the provider), stopping what uses it first; returns what stopped."""
    stopped = [done for hook in method_deleting for done in hook(method=method, acting_user=acting_user)]
    # The account that last charged this method knows it (the city may have changed keys since).
    last = (method.tenant.payments.filter(method_token=method.token, provider_account__isnull=False)
            .select_related("provider_account__tenant").order_by("-created_at").first())
    try:
        provider = provider_for_payment(last) if last is not None else get_provider(method.tenant)
        provider.delete_method(token=method.token, customer_token=method.customer_token)
    except ProviderError:
        logger.warning("provider could not forget a method; removed from the wallet anyway")
    method.deleted_at = timezone.now()
    method.save(update_fields=["deleted_at"])
    return stopped
