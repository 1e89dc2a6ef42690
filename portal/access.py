"""Access helpers: who may see what at the request's city. A miss is a 404, never a leak."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def membership_of(request):
    """The user's membership in the request's city (customers.Membership), or None."""
    if not request.user.is_authenticated or request.tenant is None:
        return None
    cached = getattr(request, "_membership", False)
    if cached is False:
        cached = request.tenant.memberships.filter(user=request.user).first()
        request._membership = cached
    return cached


def is_office_admin(request) -> bool:
    membership = membership_of(request)
    return membership is not None and membership.is_office_admin


def office_admin_required(view):
    """Staff pages: logged in, and an office admin of this city; anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_office_admin(request):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
