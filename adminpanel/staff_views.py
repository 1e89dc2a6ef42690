"""Office staff (Admin - Staff): the city's office admins, inviting another, removing one; and accepting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers import staff
from customers.models import Membership
from portal.access import office_admin_required

from . import audit
from .reauth import reauthentication_required
from .staff_forms import InviteAdminForm, RemoveAdminForm


@office_admin_required
@never_cache
@require_GET
def staff_list(request):
    """The city's office admins (since, authenticator app, last sign-in) and the invitations still open."""
    tenant = request.tenant
    return render(request, "adminpanel/staff.html", {
        "admins": staff.admin_rows(tenant=tenant), "invitations": staff.open_invitations(tenant=tenant),
        "zone": tenant.zone})


@office_admin_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def invite(request):
    """Invite another office admin by email (a one-time link that expires)."""
    form = InviteAdminForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            sent = staff.invite_admin(tenant=request.tenant, email=email, invited_by=request.user,
                                      link_for=lambda token: request.build_absolute_uri(
                                          reverse("adminpanel:staff_accept", kwargs={"token": token})))
        except staff.StaffError as refused:
            form.add_error(refused.field or None, refused.message)
        else:
            audit.record(request, "staff.invite", _("Invited %(email)s to be an office admin") % {"email": email},
                         target=email, changes=audit.changes({}, audit.snapshot(sent.invitation, ["expires_at"])))
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
            return redirect("adminpanel:staff")
    return render(request, "adminpanel/staff_invite.html", {"form": form}, status=400 if form.errors else 200)


@office_admin_required
@require_POST
def cancel_invitation(request, invitation_id: int):
    """Cancel an invitation not yet accepted."""
    get_object_or_404(request.tenant.staff_invitations, pk=invitation_id)
    try:
        invitation = staff.cancel_invitation(tenant=request.tenant, invitation_id=invitation_id)
    except staff.StaffError as refused:
        messages.error(request, refused.message)
    else:
        audit.record(request, "staff.invite_cancel", _("Cancelled the invitation of %(email)s") % {
            "email": invitation.email}, target=invitation.email)
        messages.success(request, _("The invitation of %(email)s is cancelled.") % {"email": invitation.email})
    return redirect("adminpanel:staff")


@office_admin_required
@require_http_methods(["GET", "POST"])
def remove(request, membership_id: int):
    """Remove an office admin (they stay a customer); never the last one; yourself only with the box ticked."""
    membership = get_object_or_404(request.tenant.memberships.select_related("user"), pk=membership_id,
                                   role=Membership.Role.OFFICE_ADMIN)
    return _remove(request, membership)  # looked up first: another city's clerk gets the 404, not a confirmation


@reauthentication_required
def _remove(request, membership):
    removing_self = membership.user_id == request.user.pk
    # The last admin's page only explains (no form to fill in and be refused); the domain still refuses in a race.
    last_admin = staff.office_admins(request.tenant).count() == 1
    posted = request.method == "POST" and not last_admin
    form = RemoveAdminForm(request.POST if posted else None, removing_self=removing_self)
    if posted and form.is_valid():
        try:
            staff.remove_admin(tenant=request.tenant, membership_id=membership.pk, acting_user=request.user)
        except staff.StaffError as refused:
            form.add_error(None, refused.message)
        else:
            email = membership.user.email
            audit.record(request, "staff.remove", _("Removed %(email)s from the office admins") % {"email": email},
                         target=email, changes={"role": [str(Membership.Role.OFFICE_ADMIN.label), str(Membership.Role.CUSTOMER.label)]})
            messages.success(request, _("%(email)s is no longer an office admin (still a customer).") % {
                "email": email})
            return redirect("home" if removing_self else "adminpanel:staff")
        last_admin = staff.office_admins(request.tenant).count() == 1
    was_refused = bool(form.errors) or (last_admin and request.method == "POST")
    return render(request, "adminpanel/staff_remove.html", {
        "member": membership, "removing_self": removing_self, "form": form, "last_admin": last_admin},
        status=400 if was_refused else 200)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def accept(request, token: str):
    """The invitation's link: the invited person, signed in with its address, becomes an office admin.

    Anyone else (another address, another city) gets a 404 that says only what to check.
    """
    invitation = staff.find_invitation(tenant=request.tenant, token=token)
    if invitation is None or not staff.is_for(invitation, request.user):
        return render(request, "adminpanel/staff_accept_other.html", status=404)
    already_admin = request.user.is_office_admin_at(request.tenant)
    if request.method == "POST" and not already_admin:
        before = request.user.role_at(request.tenant)
        before = str(Membership.Role(before).label) if before else ""
        try:
            staff.accept_invitation(tenant=request.tenant, invitation=invitation, user=request.user)
        except staff.StaffError as refused:
            messages.error(request, refused.message)
        else:
            audit.record(request, "staff.accept", _("%(email)s accepted the invitation and is now an office admin")
                         % {"email": request.user.email}, target=request.user.email,
                         changes={"role": [before, str(Membership.Role.OFFICE_ADMIN.label)]})
            messages.success(request, _("You are now an office admin of %(city)s.") % {"city": request.tenant.name})
            return redirect("adminpanel:overview")
        invitation.refresh_from_db()
    return render(request, "adminpanel/staff_accept.html", {"invitation": invitation, "already_admin": already_admin})
