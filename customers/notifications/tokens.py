"""Unsubscribe links: a signed token naming the city, the address and the category."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.urls import reverse

from portal.tenancy import tenant_url

SALT = "customers.notifications.unsubscribe"
PLACEHOLDER = "TOKEN"


class BadToken(Exception):
    """The token was altered, truncated or is not ours."""


@dataclass(frozen=True)
class Unsubscribe:
    tenant_id: int
    address: str
    category: str


@lru_cache(maxsize=4)
def _signer(secret_key: str) -> signing.Signer:
    return signing.Signer(key=secret_key, salt=SALT)


@lru_cache(maxsize=4)
def _path_around_token(urlconf: str) -> tuple[str, str]:
    """The link's path before and after the token (reverse() costs ~0.2 ms: a campaign asks 20,000 times)."""
    path = reverse("unsubscribe", args=[PLACEHOLDER], urlconf=urlconf)
    before, after = path.split(PLACEHOLDER)
    return before, after


def unsubscribe_url(*, tenant, address: str, category: str) -> str:
    """The absolute one-click unsubscribe address, on the city's host, for this address and category."""
    token = _signer(settings.SECRET_KEY).sign_object([tenant.id, address.strip().lower(), str(category)],
                                                     compress=True)
    before, after = _path_around_token(settings.ROOT_URLCONF)
    return tenant_url(tenant, path=f"{before}{token}{after}")


def read_unsubscribe_token(token: str) -> Unsubscribe:
    """What a token names; BadToken when it was tampered with."""
    try:
        tenant_id, address, category = _signer(settings.SECRET_KEY).unsign_object(token)
        return Unsubscribe(tenant_id=int(tenant_id), address=str(address), category=str(category))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken(str(exc)) from exc
