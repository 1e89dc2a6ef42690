"""Unsubscribe links: a signed token naming the city, the address and the category."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from portal.tenancy import tenant_url

SALT = "customers.notifications.unsubscribe"


class BadToken(Exception):
    """The token was altered, truncated or is not ours."""


@dataclass(frozen=True)
class Unsubscribe:
    tenant_id: int
    address: str
    category: str


def unsubscribe_url(*, tenant, address: str, category: str) -> str:
    """The absolute one-click unsubscribe address, on the city's host, for this address and category."""
    token = signing.dumps([tenant.id, address.strip().lower(), str(category)], salt=SALT, compress=True)
    return tenant_url(tenant, path=reverse("unsubscribe", args=[token]))


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """What a token names; BadToken when it was tampered with."""
    try:
        tenant_id, address, category = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken(str(exc)) from exc
    return Unsubscribe(tenant_id=int(tenant_id), address=str(address), category=str(category))
