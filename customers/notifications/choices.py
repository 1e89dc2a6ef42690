"""Reading the choices: who said no to what."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from customers.models import NotificationChoice, TextConsent

from .categories import OPTIONAL, Category

# Up to this many addresses go into a plain IN (...); longer lists travel as one array parameter.
SHORT_LIST = 500


def opted_out(*, tenant, addresses: Iterable[str], category: str, channel: str = "email") -> set[str]:
    """The (lower-cased) addresses of this list that turned this category off at this city, in one query."""
    if category == Category.TRANSACTIONAL:
        return set()
    wanted = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    if not wanted:
        return set()
    refusals = NotificationChoice.objects.filter(tenant=tenant, channel=channel, category=category, allowed=False)
    if len(wanted) <= SHORT_LIST:
        refusals = refusals.filter(address__in=wanted)
    else:
        refusals = refusals.filter(_address_in_one_parameter(wanted))
    return set(refusals.values_list("address", flat=True))


def _address_in_one_parameter(addresses: list[str]) -> RawSQL:
    """`address` among a long list passed as ONE parameter (no limit on bound variables, one query)."""
    column = f'"{NotificationChoice._meta.db_table}"."address"'
    if connection.vendor == "postgresql":
        return RawSQL(f"{column} = ANY(%s)", [addresses], output_field=BooleanField())
    return RawSQL(f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(addresses)],
                  output_field=BooleanField())


def text_recipients(*, tenant, users, category: str) -> list[tuple]:
    """(user, E.164 phone) of these users who gave a phone, said yes to texts from this city and kept this category."""
    with_phone = [u for u in users if u.phone]
    if not with_phone:
        return []
    consented = set(TextConsent.objects.filter(tenant=tenant, user_id__in=[u.pk for u in with_phone])
                    .values_list("user_id", flat=True))
    takers = [u for u in with_phone if u.pk in consented]
    refused = opted_out(tenant=tenant, addresses=[u.phone for u in takers], category=category,
                        channel=NotificationChoice.Channel.TEXT)
    return [(u, u.phone) for u in takers if u.phone.lower() not in refused]


def choices_of(*, tenant, user) -> dict:
    """What My profile shows: {"email": {category: allowed}, "text": {...}, "texts": bool} (no row means yes)."""
    own = Q(channel=NotificationChoice.Channel.EMAIL, address=user.email.lower())
    if user.phone:
        own |= Q(channel=NotificationChoice.Channel.TEXT, address=user.phone.lower())
    rows = NotificationChoice.objects.filter(own, tenant=tenant)
    kept = {(r.channel, r.category): r.allowed for r in rows}
    return {
        "email": {c.value: kept.get(("email", c.value), True) for c in OPTIONAL},
        "text": {c.value: kept.get(("text", c.value), True) for c in OPTIONAL},
        "texts": bool(user.phone) and TextConsent.objects.filter(tenant=tenant, user=user).exists(),
    }
