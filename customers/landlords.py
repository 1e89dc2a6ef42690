"""Landlord Management: the office links a portal user to a landlord or cosigner in Caselle.

The user then sees every account Caselle attaches to that party (billing/accounts/snapshots.py
follows the party's accounts as the office changes them). Only a member of the city may be
linked; the party is read from Caselle at link time, so a mistyped id is refused.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cows_bridge import client as cows
from cows_bridge.errors import CowsError, CowsNotFound
from cows_bridge.types import Landlord
from portal.models import Tenant

from .models import LandlordLink, User

logger = logging.getLogger(__name__)


class LandlordError(Exception):
    """A refusal the office reads, naming the form field it is about."""

    field: str | None = None

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BillingSystemDown(LandlordError):
    pass


class NoSuchLandlord(LandlordError):
    pass


class NotAMember(LandlordError):
    field = "email"


class AlreadyLinked(LandlordError):
    field = "email"


def _down() -> BillingSystemDown:
    return BillingSystemDown(_("The billing system (Caselle) cannot be reached right now, so landlords and "
                               "cosigners cannot be looked up. Try again in a few minutes."))


def search_landlords(*, tenant: Tenant, query: str) -> list[Landlord]:
    """Caselle's landlords and cosigners whose id, name or email matches the query."""
    try:
        return cows.search_landlords(tenant, query.strip())
    except CowsError:
        raise _down() from None


def get_landlord(*, tenant: Tenant, landlord_id: int) -> Landlord:
    """One landlord or cosigner from Caselle, with the accounts attached to it."""
    try:
        return cows.get_landlord(tenant, landlord_id)
    except CowsNotFound:
        raise NoSuchLandlord(_("Caselle has no landlord or cosigner with id %(id)s.") % {"id": landlord_id}) from None
    except CowsError:
        raise _down() from None


def member_by_email(*, tenant: Tenant, email: str) -> User:
    """The portal user with this email who has signed up at this city (no trace of other cities' people)."""
    membership = (tenant.memberships.filter(user__email__iexact=email.strip(), user__is_active=True)
                  .select_related("user").first())
    user = membership.user if membership else None
    if user is None:
        raise NotAMember(_("No one has signed up at %(city)s with %(email)s. Ask them to register on the portal "
                           "first, then link them.") % {"city": tenant.name, "email": email.strip()})
    return user


def link_landlord(*, tenant: Tenant, email: str, landlord_id: int, acting_user: User) -> LandlordLink:
    """Link the city's portal user with this email to a landlord or cosigner, as Caselle has it now."""
    user = member_by_email(tenant=tenant, email=email)
    if tenant.landlord_links.filter(user=user, landlord_id=landlord_id).exists():
        raise _already(user)
    landlord = get_landlord(tenant=tenant, landlord_id=landlord_id)
    try:
        with transaction.atomic():
            link = tenant.landlord_links.create(
                user=user, landlord_id=landlord.id, landlord_name=landlord.name[:200],
                landlord_kind=landlord.kind[:20], account_count=len(landlord.customer_numbers),
                linked_by=acting_user)
    except IntegrityError:  # linked by another clerk a moment ago
        raise _already(user) from None
    logger.info("landlord linked", extra={"user_id": user.id, "landlord_id": landlord.id,
                                          "acting_user_id": acting_user.id})
    return link


def _already(user: User) -> AlreadyLinked:
    return AlreadyLinked(_("%(email)s is already linked to this landlord or cosigner.") % {"email": user.email})


def unlink_landlord(*, link: LandlordLink, acting_user: User) -> None:
    """Remove the link: the user no longer sees that party's accounts (their own links stay)."""
    logger.info("landlord unlinked", extra={"user_id": link.user_id, "landlord_id": link.landlord_id,
                                            "acting_user_id": acting_user.id})
    link.delete()
