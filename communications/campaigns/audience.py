"""Who a campaign goes to: all of the city's portal users, those with a linked account, or chosen people."""

from __future__ import annotations

import re

from django.db.models import Exists, OuterRef, Q, QuerySet

from customers.models import LinkedAccount, Membership, User
from portal.models import Tenant

from .models import Campaign

SEARCH_LIMIT = 20


def members(*, tenant: Tenant) -> QuerySet[User]:
    """The city's portal users (active logins with a membership here)."""
    return User.objects.filter(Exists(Membership.objects.filter(tenant=tenant, user=OuterRef("pk"))), is_active=True)


def with_linked_account(*, tenant: Tenant) -> QuerySet[User]:
    """The city's Utility Billing users: portal users with at least one linked utility account."""
    return members(tenant=tenant).filter(Exists(LinkedAccount.objects.filter(tenant=tenant, user=OuterRef("pk"))))


def audience_users(*, tenant: Tenant, audience: str, chosen_ids=()) -> QuerySet[User]:
    """The people of an audience, by id (the order queuing goes in)."""
    if audience == Campaign.Audience.ALL:
        people = members(tenant=tenant)
    elif audience == Campaign.Audience.BILLING:
        people = with_linked_account(tenant=tenant)
    else:
        people = members(tenant=tenant).filter(pk__in=list(chosen_ids))
    return people.order_by("pk")


def campaign_users(*, campaign: Campaign) -> QuerySet[User]:
    """A campaign's recipients now (a chosen person who left the city is not one)."""
    chosen = campaign.chosen.values_list("pk", flat=True) if campaign.audience == Campaign.Audience.CHOSEN else ()
    return audience_users(tenant=campaign.tenant, audience=campaign.audience, chosen_ids=chosen)


def search_members(*, tenant: Tenant, query: str, limit: int = SEARCH_LIMIT) -> list[User]:
    """The city's portal users whose email, name or linked customer number contains the words typed."""
    query = " ".join((query or "").split())
    if not query:
        return []
    match = Q(email__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
    if " " in query:
        first, _sep, last = query.partition(" ")
        match |= Q(first_name__icontains=first, last_name__icontains=last)
    digits = re.sub(r"\D", "", query)
    accounts = LinkedAccount.objects.filter(tenant=tenant, user=OuterRef("pk"))
    number = Q(Exists(accounts.filter(customer_number__icontains=query)))
    if digits:
        number |= Q(Exists(accounts.filter(account_key__contains=digits)))
    return list(members(tenant=tenant).filter(match | number).order_by("email")[:limit])


def chosen_members(*, tenant: Tenant, user_ids) -> list[User]:
    """Of these ids, the city's portal users (another city's people are never found), by email."""
    ids = {int(i) for i in user_ids if str(i).isdigit()}
    return list(members(tenant=tenant).filter(pk__in=ids).order_by("email")) if ids else []
