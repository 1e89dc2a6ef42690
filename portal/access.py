"""Access helpers: who may see what at the request's city. A miss is a 404, never a leak."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

# Where an office admin sent to set up the authenticator app was going (the recovery codes page links back).
OFFICE_NEXT_KEY = "office_next"


def is_office_admin(request) -> bool:
    """An office admin of the request's city (customers.Membership; the role comes with the cached user)."""
    user = request.user
    return user.is_authenticated and request.tenant is not None and user.is_office_admin_at(request.tenant)


def _totp_key(user_id) -> str:
    return f"mfa-totp:{user_id}"


def has_authenticator_app(user) -> bool:
    """The person has an active authenticator app (allauth.mfa TOTP); kept in the shared cache between requests."""
    key = _totp_key(user.pk)
    found = cache.get(key)
    if found is None:
        found = Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
        cache.set(key, found, getattr(settings, "USER_CACHE_SECONDS", 300))
    return found


def _authenticator_saved(sender, instance, **kwargs):
    if instance.type == Authenticator.Type.TOTP:  # saved (each save commits: no ATOMIC_REQUESTS)
        cache.set(_totp_key(instance.user_id), True, getattr(settings, "USER_CACHE_SECONDS", 300))


def _authenticator_deleted(sender, instance, **kwargs):
    cache.delete(_totp_key(instance.user_id))


# Connected when this module is first imported, which is before anything can be cached by it.
post_save.connect(_authenticator_saved, sender=Authenticator, dispatch_uid="access-authenticator-saved")
post_delete.connect(_authenticator_deleted, sender=Authenticator, dispatch_uid="access-authenticator-deleted")


def _set_up_authenticator_app(request) -> HttpResponseRedirect:
    """Send an office admin without an authenticator app to allauth's set-up page, to come back after."""
    back = request.get_full_path() if request.method in ("GET", "HEAD") else reverse("adminpanel:overview")
    request.session[OFFICE_NEXT_KEY] = back
    return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': back})}")


def office_admin_required(view):
    """Staff pages: logged in, and an office admin of this city with an authenticator app; anyone else gets a 404.

    An admin without the app is sent to set it up first (the page says why). Having set it up is
    enough for the session already signed in; every later sign-in asks for the code (allauth).
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_office_admin(request):
            raise Http404
        if not has_authenticator_app(request.user):
            return _set_up_authenticator_app(request)
        request.session.pop(OFFICE_NEXT_KEY, None)
        return view(request, *args, **kwargs)

    return wrapper
