"""Writing the choices: My profile, the unsubscribe link, and an address that changes."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from customers.models import NotificationChoice, TextConsent, User

from .categories import OPTIONAL, Category

EMAIL, TEXT = NotificationChoice.Channel.EMAIL, NotificationChoice.Channel.TEXT


class NotOptional(ValueError):
    """Receipts and security mail cannot be turned off (or the category is unknown)."""


def _check(category: str) -> str:
    if category not in {c.value for c in OPTIONAL}:
        raise NotOptional(category)
    return category


def _set(*, tenant, channel: str, address: str, category: str, allowed: bool, changed_by: User | None,
         source: str) -> None:
    NotificationChoice.objects.update_or_create(
        tenant=tenant, channel=channel, address=address.strip().lower(), category=_check(category),
        defaults={"allowed": allowed, "changed_at": timezone.now(), "changed_by": changed_by, "source": source})


def unsubscribe(*, tenant, address: str, category: str, channel: str = EMAIL) -> None:
    """Stop this one category of mail to this address from this city (the one-click link)."""
    _set(tenant=tenant, channel=channel, address=address, category=category, allowed=False, changed_by=None,
         source=NotificationChoice.Source.UNSUBSCRIBE)


@transaction.atomic
def save_preferences(*, tenant, user: User, email: Mapping[str, bool], phone: str, texts: bool,
                     text: Mapping[str, bool] | None = None) -> None:
    """My profile's Notifications: email choices, the mobile phone, yes or no to texts, and the text choices.

    `text` is None when the page did not offer the text choices (no phone or no yes to texts when it was shown):
    the text choices already kept stay as they are.
    """
    for category, allowed in email.items():
        _set(tenant=tenant, channel=EMAIL, address=user.email, category=category, allowed=allowed, changed_by=user,
             source=NotificationChoice.Source.PROFILE)
    if phone != user.phone:
        from customers.services import update_phone

        update_phone(user=user, phone=phone)
    if texts and phone:
        TextConsent.objects.get_or_create(tenant=tenant, user=user)
    else:
        TextConsent.objects.filter(tenant=tenant, user=user).delete()
    if phone and text is not None:
        for category, allowed in text.items():
            _set(tenant=tenant, channel=TEXT, address=phone, category=category, allowed=allowed, changed_by=user,
                 source=NotificationChoice.Source.PROFILE)


def carry_choices(*, channel: str, old: str, new: str) -> int:
    """Copy an address's choices, at every city, to the address that replaces it (the old keeps its own)."""
    old, new = old.strip().lower(), new.strip().lower()
    if not old or not new or old == new:
        return 0
    rows = list(NotificationChoice.objects.filter(channel=channel, address=old))
    for row in rows:
        NotificationChoice.objects.update_or_create(
            tenant_id=row.tenant_id, channel=channel, address=new, category=row.category,
            defaults={"allowed": row.allowed, "changed_at": timezone.now(), "changed_by": row.changed_by,
                      "source": row.source})
    return len(rows)


def email_changed(sender, *, user, from_email_address, to_email_address, **kwargs) -> None:
    """allauth's email_changed: the person's choices follow them to their new primary address."""
    if from_email_address is not None:
        carry_choices(channel=EMAIL, old=from_email_address.email, new=to_email_address.email)


__all__ = ["Category", "NotOptional", "carry_choices", "email_changed", "save_preferences", "unsubscribe"]
