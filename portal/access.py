"""Access helpers: who may see what at the request's city. A miss is a 404, never a leak."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def is_office_admin(request) -> bool:
    """An office admin of the request's city (customers.Membership; the role comes with the cached user)."""
    user = request.user
    return user.is_authenticated and request.tenant is not None and user.is_office_admin_at(request.tenant)


def office_admin_required(view):
    """Staff pages: logged in, and an office admin of this city; anyone else gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_office_admin(request):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
