"""A city's office staff: inviting another office admin, accepting, removing one, changing a role.

Rules: a city always keeps at least one office admin; a removed admin stays a customer of the city;
every office admin of the city (and the person removed) is emailed after an admin is added or removed.
An invitation is a one-time link that expires, for one email address: it is accepted only by a person
signed in with that address, verified.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Tenant

from .models import Membership, StaffInvitation, User

logger = logging.getLogger(__name__)

INVITATION_DAYS = 7


class StaffError(Exception):
    """A staff change refused; `field` names the form field the message belongs to ("" for the form)."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def office_admins(tenant: Tenant):
    """The city's office admin memberships, with their users."""
    return tenant.memberships.filter(role=Membership.Role.OFFICE_ADMIN).select_related("user")


def admin_rows(*, tenant: Tenant):
    """The office admins for the Staff screen, by email: since when (the invitation they accepted, or when
    they joined the city), whether they have an authenticator app, their last sign-in here. One query."""
    accepted = (tenant.staff_invitations.filter(accepted_by=OuterRef("user_id"), accepted_at__isnull=False)
                .order_by("-accepted_at").values("accepted_at")[:1])
    totp = Authenticator.objects.filter(user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP)
    return (office_admins(tenant).annotate(admin_since=Coalesce(Subquery(accepted), F("created_at")),
                                           has_mfa=Exists(totp)).order_by("user__email"))


def open_invitations(*, tenant: Tenant):
    """The invitations not yet accepted, cancelled or expired, newest first."""
    return (tenant.staff_invitations.filter(accepted_at=None, cancelled_at=None, expires_at__gt=timezone.now())
            .select_related("invited_by").order_by("-created_at"))


@dataclass(frozen=True)
class Invited:
    invitation: StaffInvitation
    link: str  # the one-time link, only ever in the email


@transaction.atomic
def invite_admin(*, tenant: Tenant, email: str, invited_by: User, link_for) -> Invited:
    """Invite an address to become an office admin: cancels older open invitations to it, emails the link.

    `link_for(token)` makes the absolute link (the view knows the host).
    """
    email = email.strip().lower()
    if office_admins(tenant).filter(user__email__iexact=email).exists():
        raise StaffError(_("%(email)s is already an office admin here.") % {"email": email}, field="email")
    now = timezone.now()
    tenant.staff_invitations.filter(email__iexact=email, accepted_at=None, cancelled_at=None).update(cancelled_at=now)
    token = secrets.token_urlsafe(32)
    invitation = StaffInvitation.objects.create(
        tenant=tenant, email=email, token_hash=token_hash(token), invited_by=invited_by,
        created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    link = link_for(token)
    body = render_to_string("adminpanel/staff_email_invitation.txt", {
        "tenant": tenant, "inviter": _person(invited_by), "link": link, "days": INVITATION_DAYS})
    subject = _("[%(city)s] You are invited to be an office admin") % {"city": tenant.name}
    transaction.on_commit(lambda: _send(tenant, subject, body, [email]))
    return Invited(invitation, link)


def find_invitation(*, tenant: Tenant, token: str) -> StaffInvitation | None:
    """The city's invitation behind a link's token (any state), or None."""
    return tenant.staff_invitations.filter(token_hash=token_hash(token)).select_related("invited_by").first()


def is_for(invitation: StaffInvitation, user: User) -> bool:
    """The person is signed in with the invited address, and has verified it."""
    return EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists()


@transaction.atomic
def accept_invitation(*, tenant: Tenant, invitation: StaffInvitation, user: User) -> Membership:
    """The invited person becomes an office admin of the city (a customer membership is upgraded); once only."""
    if not is_for(invitation, user):
        raise StaffError(_("This invitation is for another email address."))
    now = timezone.now()
    claimed = tenant.staff_invitations.filter(
        pk=invitation.pk, accepted_at=None, cancelled_at=None, expires_at__gt=now,
    ).update(accepted_at=now, accepted_by=user)
    if claimed != 1:
        invitation.refresh_from_db()
        raise StaffError(_("This invitation has already been used.") if invitation.accepted_at
                         else _("This invitation has been cancelled.") if invitation.cancelled_at
                         else _("This invitation has expired."))
    membership, _created = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": Membership.Role.OFFICE_ADMIN})
    _tell_admins(tenant, _("%(person)s is now an office admin (invited by %(inviter)s).") % {
        "person": _person(user), "inviter": _person(invitation.invited_by) if invitation.invited_by else "?"})
    return membership


@transaction.atomic
def cancel_invitation(*, tenant: Tenant, invitation_id: int) -> StaffInvitation:
    """Cancel an invitation not yet accepted (its link stops working)."""
    invitation = tenant.staff_invitations.select_for_update().get(pk=invitation_id)
    if invitation.accepted_at is not None:
        raise StaffError(_("This invitation has already been accepted."))
    if invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
    return invitation


@transaction.atomic
def change_role(*, tenant: Tenant, membership_id: int, role: str, acting_user: User) -> tuple[Membership, str]:
    """Set a member's role at the city; never leaves the city without an office admin. Returns (membership, old role)."""
    # Lock every admin row of the city, so two admins removing each other at once cannot both succeed.
    admin_ids = list(tenant.memberships.select_for_update().filter(role=Membership.Role.OFFICE_ADMIN)
                     .values_list("pk", flat=True))
    membership = tenant.memberships.select_related("user").get(pk=membership_id)
    old = membership.role
    if old == role:
        return membership, old
    if old == Membership.Role.OFFICE_ADMIN and admin_ids == [membership.pk]:
        raise StaffError(_("A city needs at least one office admin: invite another before removing this one."))
    membership.role = role
    membership.save(update_fields=["role"])
    if Membership.Role.OFFICE_ADMIN in (old, role):
        added = role == Membership.Role.OFFICE_ADMIN
        line = (_("%(person)s is now an office admin (made so by %(actor)s).") if added
                else _("%(person)s is no longer an office admin (removed by %(actor)s); they stay a customer."))
        _tell_admins(tenant, line % {"person": _person(membership.user), "actor": _person(acting_user)},
                     also=[] if added else [membership.user.email])
    return membership, old


def remove_admin(*, tenant: Tenant, membership_id: int, acting_user: User) -> Membership:
    """The office admin becomes a customer of the city again (never the city's last admin)."""
    membership, old = change_role(tenant=tenant, membership_id=membership_id, role=Membership.Role.CUSTOMER,
                                  acting_user=acting_user)
    if old != Membership.Role.OFFICE_ADMIN:
        raise StaffError(_("%(email)s is not an office admin here.") % {"email": membership.user.email})
    return membership


def _person(user: User) -> str:
    name = " ".join(n for n in (user.first_name, user.last_name) if n)
    return f"{name} <{user.email}>" if name else user.email


def _tell_admins(tenant: Tenant, line: str, *, also: list[str] = ()) -> None:
    """After the commit, email every office admin of the city (and `also`) the change in `line`."""
    at = timezone.localtime(timezone.now(), tenant.zone)
    body = render_to_string("adminpanel/staff_email_changed.txt", {"tenant": tenant, "line": line, "when": at})
    subject = _("[%(city)s] The office admins changed") % {"city": tenant.name}

    def send():  # read after the commit: the new admin is told too, the removed one through `also`
        recipients = sorted(set(office_admins(tenant).filter(user__is_active=True)
                                .values_list("user__email", flat=True)) | set(also))
        _send(tenant, subject, body, recipients)

    transaction.on_commit(send)


def _send(tenant: Tenant, subject: str, body: str, recipients: list[str]) -> None:
    from communications.outbox import queue_email

    # One message each (the outbox's rows are one per address): the admins' addresses are not shown to one another.
    try:
        queue_email(tenant=tenant, kind="office_notice", to=recipients, subject=subject, text=body)
    except Exception:  # a notice that cannot be queued must not undo or break the change it reports
        logger.exception("could not queue an office notice", extra={"tenant": tenant.slug})