"""Utility Communications: the office uploads PDFs for its customers, edits them with the pencil, deletes them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from communications import services
from communications.campaigns.announce import draft_announcement
from communications.campaigns.selectors import unsent_attaching, why_communication_is_held
from communications.selectors import city_today
from communications.views import download_name
from portal.access import office_admin_required

from . import audit, selectors
from .communications_forms import EditForm, UploadForm, refusal_to_form
from .listing import PAGE_SIZE

EDITABLE = ("description", "expires_on")


def _poster(communication) -> str:
    user = communication.posted_by
    if user is None:
        return _("the portal")  # the demo seed, or a person since deleted
    return f"{user.first_name} {user.last_name}".strip() or user.email


def _row(communication, *, today, newest_id) -> dict:
    expires_on = communication.expires_on
    return {"id": communication.pk, "description": communication.description,
            "filename": communication.original_filename,
            "posted_at": timezone.localtime(communication.posted_at), "posted_by": _poster(communication),
            "expires_on": expires_on, "expired": expires_on is not None and expires_on <= today,
            "newest": communication.pk == newest_id}


def _list_screen(request, *, form: UploadForm, posted=(), status: int = 200):
    tenant = request.tenant
    page = Paginator(selectors.office_communications(tenant=tenant), PAGE_SIZE).get_page(request.GET.get("page"))
    today, newest_id = city_today(tenant=tenant), selectors.newest_current_communication_id(tenant=tenant)
    context = {"form": form, "page": page, "posted": posted,
               "rows": [_row(c, today=today, newest_id=newest_id) for c in page.object_list]}
    return render(request, "adminpanel/communications.html", context, status=status)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def communications(request):
    """Utility Communications: Upload Attachment(s), and every communication posted, newest first."""
    if request.method == "GET":
        return _list_screen(request, form=UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_screen(request, form=form, status=400)
    try:
        outcome = services.post_communications(tenant=request.tenant, files=form.cleaned_data["files"],
                                               expires_on=form.cleaned_data["expires_on"], acting_user=request.user)
    except ValidationError as refused:
        refusal_to_form(form, refused)
        return _list_screen(request, form=form, status=400)
    for posted in outcome.posted:
        audit.record(request, "communication.post", _("Posted the communication “%(description)s” (%(file)s)") % {
            "description": posted.description, "file": posted.original_filename}, target=posted.description,
            changes=audit.changes({}, audit.snapshot(posted, EDITABLE)))
    if not outcome.refused:
        messages.success(request, ngettext(
            "%(count)d communication was posted. Use the pencil to change its description or expiry date.",
            "%(count)d communications were posted. Use the pencil to change their descriptions or expiry dates.",
            len(outcome.posted)) % {"count": len(outcome.posted)})
        return redirect("adminpanel:communications")
    # Shown on the files field, by name; the good files of the same upload are posted all the same.
    for refused in outcome.refused:
        form.add_error("files", _("%(file)s was not uploaded: %(reason)s") % {"file": refused.filename,
                                                                              "reason": refused.reason})
    return _list_screen(request, form=form, posted=outcome.posted, status=200 if outcome.posted else 400)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def edit(request, communication_id: int):
    """The pencil: change a communication's description and expiry date."""
    communication = selectors.access_communication(tenant=request.tenant, communication_id=communication_id)
    before = audit.snapshot(communication, EDITABLE)
    initial = {"description": communication.description, "expires_on": communication.expires_on}
    form = EditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_communication(communication=communication, description=form.cleaned_data["description"],
                                          expires_on=form.cleaned_data["expires_on"], acting_user=request.user)
        except ValidationError as refused:
            refusal_to_form(form, refused)
        else:
            summary = _("Changed the communication “%(description)s”") % {"description": communication.description}
            audit.record_changes(request, "communication.edit", summary, before, audit.snapshot(communication, EDITABLE),
                                 target=communication.description)
            messages.success(request, _("“%(description)s” was saved.") % {"description": communication.description})
            return redirect("adminpanel:communications")
    context = {"form": form, "communication": communication, "description": before["description"]}
    return render(request, "adminpanel/communications_edit.html", context, status=400 if form.errors else 200)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def delete(request, communication_id: int):
    """The trash can: asks to confirm, then deletes the communication and its file (not while a mass email not
    sent yet attaches it: the page names those)."""
    communication = selectors.access_communication(tenant=request.tenant, communication_id=communication_id)
    if request.method == "POST":
        description, filename = communication.description, communication.original_filename
        try:
            services.delete_communication(communication=communication, acting_user=request.user)
        except ValidationError:  # a draft attached it meanwhile: the page says which, nothing was deleted
            return _delete_page(request, communication, status=400)
        audit.record(request, "communication.delete", _("Deleted the communication “%(description)s” (%(file)s)") % {
            "description": description, "file": filename}, target=description,
            changes={"description": [description, ""]})
        messages.success(request, _("“%(description)s” was deleted.") % {"description": description})
        return redirect("adminpanel:communications")
    return _delete_page(request, communication)


def _delete_page(request, communication, *, status: int = 200):
    return render(request, "adminpanel/communications_delete.html", {
        "row": _row(communication, today=city_today(tenant=request.tenant), newest_id=None),
        "held": why_communication_is_held(communication), "campaigns": unsent_attaching(communication=communication),
        "refused": status == 400}, status=status)


@office_admin_required
@require_POST
def email_draft(request, communication_id: int):
    """Email it to customers: a Create Communications draft of the New communication email, to review and send."""
    communication = selectors.access_current_communication(tenant=request.tenant, communication_id=communication_id)
    try:
        campaign = draft_announcement(communication=communication, acting_user=request.user)
    except ValidationError as refused:
        messages.error(request, _("No mass email was made about “%(description)s”. %(reason)s") % {
            "description": communication.description, "reason": " ".join(refused.messages)})
        return redirect("adminpanel:communications")
    summary = _("Made a draft mass email about the communication “%(description)s”.") % {
        "description": communication.description}
    audit.record(request, "communication.email_draft", summary, target=f"campaign {campaign.pk}")
    messages.success(request, _("A mass email about “%(description)s” is ready to review: nothing has been sent "
                                "yet.") % {"description": communication.description})
    return redirect("adminpanel:campaign_edit", campaign_id=campaign.pk)


@office_admin_required
@require_safe
def pdf(request, communication_id: int):
    """The PDF as customers see it, for the office: expired ones too."""
    communication = selectors.access_communication(tenant=request.tenant, communication_id=communication_id)
    try:
        handle = communication.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{download_name(communication)}"'
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
