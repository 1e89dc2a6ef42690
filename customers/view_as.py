"""View as customer: an office admin sees the portal as one of the city's people, read-only.

Nothing logs in as the person: the session stays the clerk's (same key, same signed-in user)
and only remembers who is being viewed, at which city, by whom and since when. On every
request, customers.sessions.AuthenticationMiddleware.process_view calls `handle`, which

- forgets the state unless the session's own user is still an office admin of this city and the
  clerk who started it (a resident can never be in this state: only the office's view starts it);
- ends it after LIFETIME, when the person is no longer a member of the city, and when an office
  page (or Sign out) is opened;
- runs the customer pages of READ_ONLY_PAGES, for GET only, with request.user set to the viewed
  person for the length of that one view call (the clerk is put back before anything else runs);
- refuses everything else while viewing with a 403 page: every POST/PUT/PATCH/DELETE, paying,
  the wallet, AutoPay, linking and unlinking, and the profile's email and password pages.

Each end sends `viewing_ended` (the office's audit log records it; so does the start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.dispatch import Signal
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Tenant

from .models import User
from .user_cache import cached_user

SESSION_KEY = "_view_as"
LIFETIME = timedelta(minutes=30)

# The customer pages a clerk may read as the person (URL names); any other customer page is refused.
READ_ONLY_PAGES = frozenset({
    "home", "billing:home", "billing:history", "billing:graphs", "billing:account_history",
    "billing:history_entry", "billing:bill_pdf", "billing:account_graphs",
    "communications:list", "communications:pdf", "customers:profile", "customers:notifications",
})
# Public files anyone may fetch (the city's logo and photo off production): served as they are, never refused.
PUBLIC_PAGES = frozenset({"media"})
READ_METHODS = ("GET",)
OFFICE_NAMESPACE = "adminpanel"
SIGN_OUT = "account_logout"
STOP = "adminpanel:view_as_stop"  # the banner's Stop viewing button
WHERE_TO_START = "adminpanel:portal_users"
# The office lists a view may start from; the view ends back on the one it started from.
STARTED_FROM = ("adminpanel:portal_users", "adminpanel:portal_members", "adminpanel:landlords")


def list_to_return_to(name: str | None) -> str:
    """The office list a view goes back to: `name` when it is one of STARTED_FROM, else Portal Users."""
    return name if name in STARTED_FROM else WHERE_TO_START


# Sent with request, viewing (a Viewing) and reason (one of REASONS' keys) when a view ends.
viewing_ended = Signal()

REASONS = {
    "stopped": gettext_lazy("stopped"),
    "expired": gettext_lazy("after 30 minutes"),
    "office_page": gettext_lazy("opened an office page"),
    "signed_out": gettext_lazy("signed out"),
    "not_member": gettext_lazy("the person is no longer a member of the city"),
    "not_office_admin": gettext_lazy("no longer an office admin"),
}


class ViewAsRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Viewing:
    """Who the clerk is viewing the portal as, and since when."""

    user_id: int
    email: str
    tenant_id: int
    clerk_id: int
    started_at: datetime
    back: str = WHERE_TO_START  # the office list it started from (one of STARTED_FROM)

    @property
    def ends_at(self) -> datetime:
        return self.started_at + LIFETIME

    @property
    def pages(self) -> frozenset[str]:
        """The URL names the clerk may open while viewing (menus and tiles offer only these)."""
        return READ_ONLY_PAGES

    def to_session(self) -> dict:
        return {"user": self.user_id, "email": self.email, "tenant": self.tenant_id, "by": self.clerk_id,
                "since": self.started_at.isoformat(), "back": self.back}

    @classmethod
    def from_session(cls, data) -> "Viewing | None":
        try:
            back = list_to_return_to(data.get("back"))
            return cls(user_id=int(data["user"]), email=str(data["email"]), tenant_id=int(data["tenant"]),
                       clerk_id=int(data["by"]), started_at=datetime.fromisoformat(data["since"]), back=back)
        except (KeyError, TypeError, ValueError):
            return None


def start_viewing(*, request, tenant: Tenant, user: User, back: str = WHERE_TO_START) -> Viewing:
    """Remember in the clerk's own session that its customer pages show this member of the city, read-only."""
    clerk = request.user
    if not clerk.is_authenticated or not clerk.is_office_admin_at(tenant):
        raise ViewAsRefused(_("Only the city's office admins may view the portal as a customer."))
    if user.pk == clerk.pk:
        raise ViewAsRefused(_("That is you: open the portal's pages as yourself."))
    if not user.is_active or not tenant.memberships.filter(user=user).exists():
        raise ViewAsRefused(_("%(email)s is not a portal user of this city.") % {"email": user.email})
    viewing = Viewing(user_id=user.pk, email=user.email, tenant_id=tenant.id, clerk_id=clerk.pk,
                      started_at=timezone.now(), back=list_to_return_to(back))
    request.session[SESSION_KEY] = viewing.to_session()
    return viewing


def current(request) -> Viewing | None:
    """The view the session holds (checked by `handle` on each request), or None."""
    data = request.session.get(SESSION_KEY)
    return Viewing.from_session(data) if data else None


def end_viewing(request, *, reason: str) -> Viewing | None:
    """End the view this session holds (if any) and say so to `viewing_ended`; returns what ended."""
    viewing = current(request)
    if SESSION_KEY in request.session:
        del request.session[SESSION_KEY]
    if viewing is not None:
        viewing_ended.send(sender=Viewing, request=request, viewing=viewing, reason=reason)
    request.view_as_ended = viewing
    return viewing


def handle(request, view_func, view_args, view_kwargs):
    """The middleware's step before each view: None to run it as usual, or the response while viewing."""
    session = getattr(request, "session", None)
    if session is None or not session.session_key or SESSION_KEY not in session:
        return None  # no session cookie (checked without loading a session) or no view in it
    tenant = getattr(request, "tenant", None)
    viewing = current(request)
    clerk = request.user
    if tenant is None or viewing is None or viewing.tenant_id != tenant.id or not clerk.is_authenticated \
            or clerk.pk != viewing.clerk_id:
        del request.session[SESSION_KEY]  # not this session's view: forgotten, nothing shown
        return None
    if not clerk.is_office_admin_at(tenant):
        end_viewing(request, reason="not_office_admin")
        return None
    name = request.resolver_match.view_name if request.resolver_match else ""
    if name in PUBLIC_PAGES:
        return None
    if name.startswith(OFFICE_NAMESPACE + ":"):
        end_viewing(request, reason="stopped" if name == STOP else "office_page")
        if name != STOP:  # the Stop button says it itself
            messages.info(request, _("You stopped viewing the portal as %(email)s: office pages are your own.")
                          % {"email": viewing.email})
        return None
    if name == SIGN_OUT:
        end_viewing(request, reason="signed_out")
        return None
    if timezone.now() >= viewing.ends_at:
        end_viewing(request, reason="expired")
        messages.info(request, _("Your view of the portal as %(email)s ended after 30 minutes.")
                      % {"email": viewing.email})
        return redirect(viewing.back)
    person = cached_user(viewing.user_id)
    if person is None or not person.is_active or person.role_at(tenant) is None:
        end_viewing(request, reason="not_member")
        messages.info(request, _("%(email)s is no longer a portal user of this city.") % {"email": viewing.email})
        return redirect(viewing.back)
    request.viewing_as = viewing
    if request.method not in READ_METHODS or name not in READ_ONLY_PAGES:
        return refused(request, viewing)
    return _as_person(request, person, view_func, view_args, view_kwargs)


def _as_person(request, person: User, view_func, view_args, view_kwargs):
    """Run one customer view with request.user set to the person; the clerk is back before anything else runs."""
    clerk = request.user
    request.user = person
    try:
        response = view_func(request, *view_args, **view_kwargs)
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response = response.render()  # a TemplateResponse renders now, while the person is the user
    finally:
        request.user = clerk
    add_never_cache_headers(response)  # the person's pages are not kept in the clerk's browser cache
    return response


def refused(request, viewing: Viewing):
    """The 403 page: nothing can be changed while viewing the portal as someone."""
    return render(request, "adminpanel/view_as_refused.html", {"viewing": viewing}, status=403)
