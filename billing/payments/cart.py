"""The shopping cart: a user's (or a guest session's) items waiting to be paid in one checkout."""

from __future__ import annotations

from django.db import transaction

from portal.models import Tenant

from . import checkout
from .amounts import check_amount
from .checkout import ItemSpec, MethodSpec
from .models import CartItem, Payment, PaymentItem

_TARGET_FIELDS = ("kind", "account_key", "customer_number", "category", "category_name", "distribution",
                  "distribution_name", "category_reference", "payor", "comment", "amount")


def cart_items(*, tenant: Tenant, user, session_key: str):
    """The cart of a signed-in user, or of a guest's session."""
    if getattr(user, "is_authenticated", False):
        return tenant.cart_items.filter(user=user)
    return tenant.cart_items.filter(user__isnull=True, session_key=session_key)


@transaction.atomic
def add_to_cart(*, tenant: Tenant, item: ItemSpec, acting_user, session_key: str) -> CartItem:
    """Put an item in the cart; a utility account already there gets the new amount (one item per account)."""
    check_amount(tenant=tenant, item=item)
    signed_in = getattr(acting_user, "is_authenticated", False)
    values = {name: getattr(item, name) for name in _TARGET_FIELDS}
    owner = {"tenant": tenant, "user": acting_user if signed_in else None, "session_key": "" if signed_in else session_key}
    if item.kind == PaymentItem.Kind.UTILITY:
        existing = (cart_items(tenant=tenant, user=acting_user, session_key=session_key)
                    .select_for_update().filter(kind=item.kind, account_key=item.account_key).order_by("id"))
        first = existing.first()
        if first is not None:
            existing.exclude(pk=first.pk).delete()
            for name, value in values.items():
                setattr(first, name, value)
            first.save(update_fields=list(values))
            return first
    return CartItem.objects.create(**owner, **values)


def remove_from_cart(*, item: CartItem, acting_user) -> None:
    """Take one item out of its owner's cart."""
    item.delete()


def item_spec(item: CartItem, *, summary=None) -> ItemSpec:
    """What a cart item asks to pay, with the account as it is now (for its limit and the office's UDF blocks)."""
    return ItemSpec(summary=summary, **{name: getattr(item, name) for name in _TARGET_FIELDS})


@transaction.atomic
def check_out_cart(*, tenant: Tenant, items: list[CartItem], specs: list[ItemSpec], method: MethodSpec, acting_user,
                   session_key: str, payer_email: str = "", payer_name: str = "") -> Payment:
    """Start one checkout for the whole cart (checked as a whole), then empty the cart."""
    payment = checkout.start_checkout(tenant=tenant, items=specs, method=method, user=acting_user,
                                      session_key=session_key, payer_email=payer_email, payer_name=payer_name)
    CartItem.objects.filter(tenant=tenant, pk__in=[i.pk for i in items]).delete()
    return payment
