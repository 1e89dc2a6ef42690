"""Writes about portal users and their memberships."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Tenant

from .models import Membership, User


def ensure_membership(*, tenant: Tenant, user: User) -> Membership:
    """The user's membership at this city, made as a customer the first time they sign in there."""
    membership = tenant.memberships.filter(user=user).first()
    if membership is not None:
        return membership
    try:
        with transaction.atomic():
            return tenant.memberships.create(user=user, role=Membership.Role.CUSTOMER)
    except IntegrityError:  # two first logins at once
        return tenant.memberships.get(user=user)


def record_login(*, tenant: Tenant, user: User) -> Membership:
    membership = ensure_membership(tenant=tenant, user=user)
    tenant.memberships.filter(pk=membership.pk).update(last_login_at=timezone.now())
    return membership


@transaction.atomic
def create_office_admin(*, tenant: Tenant, email: str, password: str | None) -> tuple[User, bool]:
    """Create (or promote) an office admin of this city with a verified email. Returns (user, created)."""
    from allauth.account.models import EmailAddress

    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=password)
    elif password:
        user.set_password(password)
        user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True})
    tenant.memberships.update_or_create(user=user, defaults={"role": Membership.Role.OFFICE_ADMIN})
    return user, created


def update_phone(*, user: User, phone: str) -> None:
    """Change the person's mobile phone; their text choices at every city go with the number."""
    from .notifications import carry_choices
    from .models import NotificationChoice

    old, user.phone = user.phone, phone
    user.save(update_fields=["phone"])
    if old and phone and old != phone:
        carry_choices(channel=NotificationChoice.Channel.TEXT, old=old, new=phone)
