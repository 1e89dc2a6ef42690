"""Asking an office admin to confirm who they are again before a sensitive change.

Uses allauth's reauthenticate flow (password, a sign-in code by email, or the authenticator app when
MFA is on), valid for ACCOUNT_REAUTHENTICATION_TIMEOUT seconds (allauth's default: 300). Usage:

    @office_admin_required          # first: anyone else gets the 404, never the confirmation page
    @reauthentication_required
    def payment_providers(request): ...
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.decorators import reauthentication_required as allauth_reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def reauthentication_required(view):
    """The view runs only for a person who confirmed who they are within the timeout; others confirm first.

    A GET goes to allauth's confirmation page and comes back to the page afterwards. A POST is never
    kept to be replayed after the confirmation (allauth would keep its body, secret keys and all, in the
    session): nothing is saved, the person confirms, comes back to the page and saves again.
    """
    guarded = allauth_reauthentication_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return guarded(request, *args, **kwargs)
        except ReauthenticationRequired:
            if request.method in ("GET", "HEAD"):
                raise  # allauth's middleware sends the person to confirm, with `next` back here
            methods = get_adapter(request).get_reauthentication_methods(request.user)
            if not methods:
                raise PermissionDenied from None
            messages.warning(request, _("Nothing was saved: for your security, confirm it is you, "
                                        "then make the change again."))
            return redirect(f"{methods[0]['url']}?{urlencode({REDIRECT_FIELD_NAME: request.path})}")

    return wrapper
