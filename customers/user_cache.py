"""The signed-in user and their role at each city, kept in the shared cache between requests.

Every signed-in request needs the user (Django checks the session against a hash of the
password) and most pages need the person's role at the city (the Admin menu). Both come from
one cache entry per user, keyed by the user's id, in the cache every process shares (Redis,
or the file cache on one machine), so a change made in one process is seen by all of them:

- saving or deleting the user (a password change, deactivation, a new email) drops the entry,
  so Django's session check runs against the new password and other sessions are logged out;
- saving or deleting one of the user's memberships drops it (made office admin, removed);
- logging out drops it.

Each drop happens at once and again when the transaction commits, so a request that read the
old row in between cannot keep a stale copy. A write that sends no signal (queryset.update())
is seen within USER_CACHE_SECONDS.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_out
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save

from .models import Membership, User

FIELDS = tuple(f.attname for f in User._meta.concrete_fields)
# A new field changes the key, so a deploy never rebuilds a user from another shape of row.
SHAPE = hashlib.blake2s(",".join(FIELDS).encode(), digest_size=4).hexdigest()


# While one get_user call loads the session: {cache key: entry or None} read along with it.
prefetched: ContextVar[dict | None] = ContextVar("prefetched_user", default=None)


def cache_key(user_id) -> str:
    return f"user:{SHAPE}:{User._meta.pk.to_python(user_id)}"


def cached_user(user_id) -> User | None:
    """The user with that id and their roles at every city, from the cache or the database."""
    user_id = User._meta.pk.to_python(user_id)
    key = cache_key(user_id)
    box = prefetched.get()  # customers/sessions.py may have read it with the session
    hit = box.pop(key) if box and key in box else cache.get(key)
    if hit is not None:
        values, roles = hit
        user = User.from_db(DEFAULT_DB_ALIAS, FIELDS, values)
        user.city_roles = roles
        return user
    user = User._default_manager.filter(pk=user_id).first()
    if user is None:
        return None
    user.city_roles = dict(user.memberships.values_list("tenant_id", "role"))
    cache.set(key, (tuple(getattr(user, name) for name in FIELDS), user.city_roles),
              getattr(settings, "USER_CACHE_SECONDS", 300))
    return user


def forget_user(user_id) -> None:
    """Drop the cached copy now and again after the transaction commits."""
    key = cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class CachedUserMixin:
    def get_user(self, user_id):
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    async def aget_user(self, user_id):
        from asgiref.sync import sync_to_async

        return await sync_to_async(self.get_user)(user_id)


class CachedModelBackend(CachedUserMixin, ModelBackend):
    """Django's model backend, reading the session's user through the cache."""


class CachedAllauthBackend(CachedUserMixin, AuthenticationBackend):
    """allauth's backend (email login), reading the session's user through the cache."""


def _user_changed(sender, instance, **kwargs):
    forget_user(instance.pk)


def _membership_changed(sender, instance, **kwargs):
    forget_user(instance.user_id)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        forget_user(user.pk)


def connect() -> None:
    post_save.connect(_user_changed, sender=User, dispatch_uid="user-cache-user-saved")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="user-cache-user-deleted")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid="user-cache-membership-saved")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid="user-cache-membership-deleted")
    user_logged_out.connect(_logged_out, dispatch_uid="user-cache-logged-out")
