"""Who a campaign goes to: all of the city's portal users, those with a linked account, or chosen people."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT

from billing.accounts.models import AccountSnapshot
from customers.models import LinkedAccount, Membership, User
from portal.models import Tenant

from .compose import person_values
from .models import Campaign


def members(*, tenant: Tenant) -> QuerySet[User]:
    """The city's portal users (active logins with a membership here)."""
    return User.objects.filter(Exists(Membership.objects.filter(tenant=tenant, user=OuterRef("pk"))), is_active=True)


def with_linked_account(*, tenant: Tenant) -> QuerySet[User]:
    """The city's Utility Billing users: portal users with at least one linked utility account."""
    return members(tenant=tenant).filter(Exists(LinkedAccount.objects.filter(tenant=tenant, user=OuterRef("pk"))))


def holder_name(*, tenant: Tenant, part: str) -> Subquery:
    """The first or last name Caselle has on a person's first linked account (for a person without a name)."""
    snapshot = AccountSnapshot.objects.filter(tenant=tenant, account_key=OuterRef("account_key"))
    links = (LinkedAccount.objects.filter(tenant=tenant, user=OuterRef("pk"))
             .annotate(holder=Subquery(snapshot.values(name=KT(f"data__{part}"))[:1])).order_by("pk"))
    return Subquery(links.values("holder")[:1])


def with_holder_names(people: QuerySet[User], *, tenant: Tenant) -> QuerySet[User]:
    """People annotated with holder_first and holder_last (one query still)."""
    return people.annotate(holder_first=holder_name(tenant=tenant, part="first_name"),
                           holder_last=holder_name(tenant=tenant, part="last_name"))


def sample_recipient(*, campaign: Campaign) -> User | None:
    """Whom a preview or a test is written for: the first chosen person (as the form lists them, by email) when
    people are chosen, else a customer of the city with a name (their own or their account's); None if none."""
    tenant = campaign.tenant
    if campaign.audience == Campaign.Audience.CHOSEN:
        chosen = with_holder_names(campaign_users(campaign=campaign), tenant=tenant).order_by("email").first()
        if chosen is not None:
            return chosen
    customers = members(tenant=tenant).filter(Exists(Membership.objects.filter(
        tenant=tenant, user=OuterRef("pk"), role=Membership.Role.CUSTOMER)))
    named = with_holder_names(customers, tenant=tenant).filter(
        ~Q(first_name="") | Q(holder_first__isnull=False) & ~Q(holder_first=""))
    return named.order_by("pk").first()


def sample_values(*, campaign: Campaign) -> tuple[dict[str, str], str]:
    """The values a preview or a test is written with, and whose they are ("" when there is no one to name)."""
    person = sample_recipient(campaign=campaign)
    if person is None:
        return person_values(first_name="", last_name="", email="customer@example.com"), ""
    return person_values(first_name=person.first_name, last_name=person.last_name, email=person.email,
                         holder_first=person.holder_first or "", holder_last=person.holder_last or ""), person.email


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


def chosen_members(*, tenant: Tenant, user_ids) -> list[User]:
    """Of these ids, the city's portal users (another city's people are never found), by email."""
    ids = {int(i) for i in user_ids if str(i).isdigit()}
    return list(members(tenant=tenant).filter(pk__in=ids).order_by("email")) if ids else []
