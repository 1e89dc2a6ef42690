"""Reads of the office's Portal members screen: every customer of the city, with or without a linked account.

Portal Users lists account links, so a member with none (a landlord, someone who signed up and never linked)
is on no list there; here each customer membership is one row, its counts read as subqueries (one query a page).
"""

from __future__ import annotations

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from autopay.models import Enrollment
from customers.models import LandlordLink, LinkedAccount, Membership
from portal.models import Tenant

from .listing import DATETIME_FORMAT, Column
from .people_selectors import billed_by_email, person_name


def _count(rows: QuerySet) -> Coalesce:
    """How many of these rows belong to the outer membership's person (0 for none), as one subquery."""
    counted = rows.order_by().values("user_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def own_links() -> QuerySet[LinkedAccount]:
    """The outer membership's person's accounts linked in their own name at its city."""
    return LinkedAccount.objects.filter(tenant=OuterRef("tenant"), user=OuterRef("user"))


def customer_members(*, tenant: Tenant) -> QuerySet[Membership]:
    """The city's customer memberships (office admins are on Staff), newest first, with their counts."""
    return (tenant.memberships.filter(role=Membership.Role.CUSTOMER).select_related("user")
            .annotate(accounts=_count(own_links()),
                      landlords=_count(LandlordLink.objects.filter(tenant=OuterRef("tenant"), user=OuterRef("user"))),
                      autopay=_count(Enrollment.objects.filter(tenant=OuterRef("tenant"), user=OuterRef("user"),
                                                               ended_at__isnull=True)),
                      paperless=_count(own_links().filter(billed_by_email())))
            .order_by("-created_at", "-id"))


def with_linked_accounts(members: QuerySet[Membership], *, linked: bool) -> QuerySet[Membership]:
    """The members with at least one account linked in their own name (linked=False: with none)."""
    return members.filter(Exists(own_links()) if linked else ~Exists(own_links()))


def member_row(member: Membership, zone) -> dict:
    user = member.user
    return {"user_id": user.pk, "email": user.email, "name": person_name(user), "active": user.is_active,
            "joined": timezone.localtime(member.created_at, zone),
            "last_sign_in": timezone.localtime(member.last_login_at, zone) if member.last_login_at else None,
            "accounts": member.accounts, "landlords": member.landlords, "autopay": member.autopay,
            "paperless": member.paperless}


def _naive(value):
    return value.replace(tzinfo=None) if value else None


def member_columns() -> list[Column]:
    return [
        Column(_("Email"), lambda r: r["email"], width=32),
        Column(_("Name"), lambda r: r["name"], width=24),
        Column(_("Joined"), lambda r: _naive(r["joined"]), DATETIME_FORMAT, 18),
        Column(_("Last sign-in"), lambda r: _naive(r["last_sign_in"]), DATETIME_FORMAT, 18),
        Column(_("Linked accounts"), lambda r: r["accounts"], width=10),
        Column(_("Landlord/cosigner links"), lambda r: r["landlords"], width=12),
        Column(_("On AutoPay"), lambda r: r["autopay"], width=10),
        Column(_("Paperless accounts"), lambda r: r["paperless"], width=10),
    ]
