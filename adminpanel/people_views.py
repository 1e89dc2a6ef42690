"""The office's people screens: Portal Users (unlink, view as customer) and Failed link attempts (link for them)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from customers import linking, view_as
from portal.access import office_admin_required

from . import audit
from . import people_selectors as selectors
from .list_screens import ListScreen, export_view, page_view
from .people_filters import LinkAttemptFilter, PortalUserFilter
from .people_forms import LinkForThemForm

# --- Portal Users ---------------------------------------------------------------------------

PORTAL_USERS = ListScreen(PortalUserFilter, selectors.portal_user_links, selectors.portal_user_row,
                          "adminpanel/portal_users.html", "portal-users", gettext_lazy("Portal users"),
                          selectors.portal_user_columns)
portal_users = page_view(PORTAL_USERS, "Portal Users: every utility account linked to a portal user of the city, "
                                       "searchable, 50 a page.")
portal_users_export = export_view(PORTAL_USERS, "Export to Excel: exactly the linked accounts the search selects.")


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def portal_user_unlink(request, link_id: int):
    """The trash can: asks, then unlinks the account from that person (other people's links to it stay)."""
    link = selectors.access_linked_account(tenant=request.tenant, link_id=link_id)
    if request.method == "POST":
        linking.unlink_account(link=link, acting_user=request.user)
        audit.record(request, "portal_user.unlink", _("Unlinked account %(number)s from %(email)s") % {
            "number": link.customer_number, "email": link.user.email},
            target=_("account %(number)s") % {"number": link.customer_number})
        messages.success(request, _("Account %(number)s is no longer linked to %(email)s.") % {
            "number": link.customer_number, "email": link.user.email})
        return redirect("adminpanel:portal_users")
    return render(request, "adminpanel/portal_users_unlink.html", {"link": link})


# --- View as customer -----------------------------------------------------------------------


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def start_view_as(request, user_id: int):
    """View as customer: asks, then shows the portal as this person, read-only, for up to 30 minutes."""
    person = selectors.access_member(tenant=request.tenant, user_id=user_id)
    came_from = (request.POST if request.method == "POST" else request.GET).get("from", "")
    back = view_as.list_to_return_to(f"adminpanel:{came_from}")
    request.office_menu_current = back.split(":")[1]  # the menu marks the list the clerk came from
    if request.method == "POST":
        try:
            view_as.start_viewing(request=request, tenant=request.tenant, user=person, back=back)
        except view_as.ViewAsRefused as refused:
            messages.error(request, refused.message)
            return redirect(back)
        audit.record(request, "view_as.start", _("Started viewing the portal as %(email)s") % {"email": person.email},
                     target=person.email)
        return redirect("billing:home")
    return render(request, "adminpanel/view_as.html", {"person": person, "minutes": view_as.LIFETIME.seconds // 60,
                                                       "back": back, "came_from": back.split(":")[1]})


@office_admin_required
@require_POST
def stop_view_as(request):
    """Stop viewing (the banner's button). The view already ended when this office page was asked for."""
    ended = getattr(request, "view_as_ended", None)
    if ended is not None:
        messages.success(request, _("You stopped viewing the portal as %(email)s.") % {"email": ended.email})
    return redirect(ended.back if ended is not None else view_as.WHERE_TO_START)


# --- Failed link attempts -------------------------------------------------------------------


link_attempts = page_view(
    ListScreen(LinkAttemptFilter, selectors.failed_attempts, selectors.attempt_row, "adminpanel/link_attempts.html"),
    "Failed link attempts: why each failed and Caselle's last name, newest first, to answer a caller in one look.")


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def link_for_them(request, attempt_id: int):
    """Link for them: after checking who is calling, link the account to that person without the second factor."""
    attempt = selectors.access_failed_attempt(tenant=request.tenant, attempt_id=attempt_id)
    form = LinkForThemForm(request.POST if request.method == "POST" else None,
                           initial={"customer_number": attempt.customer_number})
    if form.is_bound and form.is_valid():
        try:
            result = linking.link_for_user(tenant=request.tenant, user=attempt.user, acting_user=request.user,
                                           customer_number=form.cleaned_data["customer_number"])
        except linking.LinkError as refused:
            form.add_error("customer_number", _link_refusal(refused))
        else:
            number = result.link.customer_number
            audit.record(request, "portal_user.link_for_them", _(
                "Linked account %(number)s to %(email)s after verifying their identity (failed attempt %(id)s)") % {
                "number": number, "email": attempt.user.email, "id": attempt.pk},
                target=_("account %(number)s") % {"number": number})
            messages.success(request, _("Account %(number)s is now linked to %(email)s.") % {
                "number": number, "email": attempt.user.email})
            return redirect("adminpanel:link_attempts")
    return render(request, "adminpanel/link_attempts_link.html", {
        "form": form, "row": selectors.attempt_row(attempt, request.tenant.zone)},
        status=400 if form.errors else 200)


def _link_refusal(refused: linking.LinkError) -> str:
    if isinstance(refused, linking.AlreadyLinked):
        return _("Account %(number)s is already linked to this person.") % {"number": refused.link.customer_number}
    if isinstance(refused, linking.OfficeUnavailable):
        return _("The billing system (Caselle) cannot be reached right now, so the account cannot be checked. "
                 "Try again in a few minutes.")
    return _("Caselle has no account with this customer number. Check the number with the caller.")
