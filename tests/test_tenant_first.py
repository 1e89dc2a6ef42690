"""Ready to distribute by city: every unique rule and index on a tenant-owned table starts with the tenant.

Citus (PostgreSQL distributed by a column) requires every unique constraint of a distributed table
to include the distribution column, and a query that names the tenant first stays on one node.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from billing.payments.models import Payment, PaymentItem, ProviderEvent


def tenant_owned() -> list[type[models.Model]]:
    """Every model with a ``tenant`` field (sandboxpay's rows are the provider's, keyed by a slug: not ours)."""
    found = []
    for model in apps.get_models():
        try:
            model._meta.get_field("tenant")
        except Exception:  # noqa: BLE001 - FieldDoesNotExist: not tenant-owned
            continue
        found.append(model)
    return found


def rules_not_tenant_first(model: type[models.Model]) -> list[str]:
    meta = model._meta
    bad = []
    for field in meta.concrete_fields:
        if field.unique and not field.primary_key and field.name != "tenant":
            bad.append(f"unique=True on {field.name}")
    for fields in meta.unique_together:
        if fields[0] != "tenant":
            bad.append(f"unique_together {fields}")
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            fields = list(constraint.fields)
            if not fields or fields[0] != "tenant":
                bad.append(f"constraint {constraint.name} {fields or constraint.expressions}")
    for index in meta.indexes:
        if leading_field(index) != "tenant":
            bad.append(f"index {index.name} {index.fields or index.expressions}")
    return bad


def leading_field(index: models.Index) -> str | None:
    """The field an index starts with: its first field, or its first expression when that is a plain F()."""
    if index.fields:
        return index.fields[0].lstrip("-")
    first = index.expressions[0] if index.expressions else None
    return first.name if isinstance(first, models.F) else None


def test_the_walk_finds_the_tenant_owned_tables():
    walked = set(tenant_owned())
    assert {Payment, PaymentItem, ProviderEvent} <= walked
    assert {m._meta.app_label for m in walked} >= {"billing", "customers", "communications", "cows_bridge", "portal"}


@pytest.mark.parametrize("model", tenant_owned(), ids=lambda m: m._meta.label)
def test_every_unique_rule_and_index_starts_with_the_tenant(model):
    assert rules_not_tenant_first(model) == []


def _payment(tenant, reference: str, key: str) -> Payment:
    return Payment.objects.create(tenant=tenant, reference=reference, idempotency_key=key, amount=Decimal("10.00"),
                                  fee=Decimal("0.00"), total=Decimal("10.00"), method_kind="card",
                                  method_token="tok_test", provider="sandbox")


def test_two_cities_may_use_the_same_payment_reference_and_key_but_one_city_may_not(riverton, lakeside):
    from django.db import IntegrityError, transaction

    first = _payment(riverton.tenant, "CC0000000000001", "key-1")
    second = _payment(lakeside.tenant, "CC0000000000001", "key-1")
    for tenant, payment in ((riverton.tenant, first), (lakeside.tenant, second)):
        item = PaymentItem.objects.create(tenant=tenant, payment=payment, reference="CC0000000000001-1",
                                          kind=PaymentItem.Kind.UTILITY, amount=Decimal("10.00"))
        assert tenant.payments.get(reference="CC0000000000001") == payment
        assert item.reference == "CC0000000000001-1"
    with pytest.raises(IntegrityError), transaction.atomic():
        _payment(riverton.tenant, "CC0000000000001", "key-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        _payment(riverton.tenant, "CC0000000000002", "key-1")
