"""Admin → Create Communications: write a mass email, preview it, send a test, send it, and follow it."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communications import rich_text
from communications.campaigns import compose, queuing, services
from communications.campaigns.audience import sample_values
from communications.campaigns.models import Campaign
from communications.campaigns.selectors import access_campaign, campaign_list, follow_campaign
from communications.texts.backends import texts_enabled
from portal.access import office_admin_required

from . import audit
from .campaign_forms import VARIABLES, CampaignFilter, CampaignForm, initial_for
from .communications_forms import refusal_to_form
from .listing import list_page
from .people_selectors import find_members

POLL_STOP = 286  # htmx stops polling on this status (the page is finished)


def draft_only(view):
    """A draft's page: another city's campaign is not found; a campaign sent already opens its progress page."""
    @wraps(view)
    def draft_view(request, campaign_id: int):
        campaign = access_campaign(tenant=request.tenant, campaign_id=campaign_id)
        if campaign.state != Campaign.State.DRAFT:
            return redirect("adminpanel:campaign_detail", campaign_id=campaign.pk)
        return view(request, campaign)
    return draft_view


@office_admin_required
@never_cache
@require_GET
def campaigns(request):
    """Create Communications: the campaigns sent (and drafts), newest first, with their counts."""
    listing = list_page(request, CampaignFilter, campaign_list(tenant=request.tenant))
    return render(request, "adminpanel/campaigns.html", {"form": listing.form, "page": listing.page,
                                                          "rows": listing.page.object_list})


def _compose_page(request, form, campaign=None, *, preview=None, shown_as="", found=None, status=200):
    return render(request, "adminpanel/campaign_compose.html", {
        "form": form, "campaign": campaign, "variables": VARIABLES, "texts": texts_enabled(),
        # Rendered by the safe renderer and sanitized (communications.rich_text): allow-listed tags only.
        "preview": preview and {"subject": preview.subject, "html": mark_safe(preview.html), "text": preview.text,
                                "shown_as": shown_as},
        "searched": found is not None, "found_count": len(found or ())}, status=status)


def _search(request, campaign):
    """Find people: the form as typed, with the people found to tick (nothing saved)."""
    found = find_members(tenant=request.tenant, query=request.POST.get("q", ""))
    initial = {name: request.POST.get(name, "") for name in ("subject", "body", "attachment", "communication",
                                                            "audience", "q", "text_body")}
    initial.update(chosen=request.POST.getlist("chosen"), also_by_text=bool(request.POST.get("also_by_text")))
    form = CampaignForm(initial=initial, tenant=request.tenant, found=found)
    return _compose_page(request, form, campaign, found=found)


def _saved(request, campaign, action: str):
    edit_url = reverse("adminpanel:campaign_edit", kwargs={"campaign_id": campaign.pk})
    if action == "preview":
        return redirect(f"{edit_url}?preview=1#preview")
    if action == "test":
        try:
            queuing.send_test(campaign=campaign, acting_user=request.user)
        except Exception:  # the mailer's failure, said plainly; the draft is kept
            messages.error(request, _("The test could not be sent just now. Try again in a few minutes."))
            return redirect(edit_url)
        audit.record(request, "campaign.test", _("Sent a test of the mass email “%(subject)s” to %(email)s.")
                     % {"subject": campaign.subject, "email": request.user.email}, target=f"campaign {campaign.pk}")
        messages.success(request, _("A test was sent to %(email)s.") % {"email": request.user.email})
        return redirect(edit_url)
    if action == "review":
        return redirect("adminpanel:campaign_send", campaign_id=campaign.pk)
    messages.success(request, _("The draft was saved."))
    return redirect(edit_url)


def _compose(request, campaign=None):
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "search":
        return _search(request, campaign)
    if request.method != "POST":
        form = CampaignForm(initial=initial_for(campaign) if campaign else None, tenant=request.tenant)
        shown, shown_as = None, ""
        if campaign and request.GET.get("preview"):
            values, shown_as = sample_values(campaign=campaign)
            shown = compose.render_one(tenant=request.tenant, subject=campaign.subject, body=campaign.body,
                                       values=values)
        return _compose_page(request, form, campaign, preview=shown, shown_as=shown_as)
    form = CampaignForm(request.POST, request.FILES, tenant=request.tenant)
    if form.is_valid():
        try:
            saved = services.save_draft(tenant=request.tenant, draft=form.draft(), acting_user=request.user,
                                        campaign=campaign)
        except ValidationError as refused:
            if hasattr(refused, "error_dict"):
                refusal_to_form(form, refused)
            else:  # the draft was sent meanwhile (another tab)
                form.add_error(None, refused)
        else:
            audit.record(request, "campaign.save", _("Saved the mass email “%(subject)s” (draft).")
                         % {"subject": saved.subject}, target=f"campaign {saved.pk}")
            if request.FILES.get("pdf") and form.cleaned_data["attachment"] != services.UPLOAD:
                messages.warning(request, _("The PDF file you chose was not attached: choose “A PDF from my "
                                            "computer” to attach it."))
            return _saved(request, saved, action)
    return _compose_page(request, form, campaign, status=400)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    """Write a new mass email: Preview, Send me a test, Save draft, or Review and send."""
    return _compose(request)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
@draft_only
def campaign_edit(request, campaign: Campaign):
    """Change a draft (a campaign already sent opens its progress page)."""
    return _compose(request, campaign)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
@draft_only
def campaign_send(request, campaign: Campaign):
    """Send: says how many people will receive it, and sends when the clerk confirms."""
    if request.method == "POST":
        try:
            count = services.send_campaign(campaign=campaign, acting_user=request.user)
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return redirect("adminpanel:campaign_edit", campaign_id=campaign.pk)
        shown = intcomma(count)
        audit.record(request, "campaign.send", ngettext("Sent the mass email “%(subject)s” to %(count)s person.",
                                                        "Sent the mass email “%(subject)s” to %(count)s people.",
                                                        count) % {"subject": campaign.subject, "count": shown},
                     target=f"campaign {campaign.pk}")
        messages.success(request, ngettext("Sending to %(count)s person.", "Sending to %(count)s people.", count)
                         % {"count": shown})
        return redirect("adminpanel:campaign_detail", campaign_id=campaign.pk)
    return render(request, "adminpanel/campaign_send.html", {
        "campaign": campaign, "count": services.recipient_count(campaign=campaign), "texts": texts_enabled()})


@office_admin_required
@never_cache
@require_GET
def campaign_detail(request, campaign_id: int):
    """A campaign and its progress bar (polled by htmx every 2 s until it is finished)."""
    campaign = access_campaign(tenant=request.tenant, campaign_id=campaign_id)
    progress = follow_campaign(campaign=campaign)
    # The stored body was sanitized when saved; sanitized again before it is shown.
    context = {"campaign": campaign, "progress": progress, "body": mark_safe(rich_text.sanitize(campaign.body))}
    if request.htmx:
        return render(request, "adminpanel/campaign_progress.html", context,
                      status=POLL_STOP if progress.finished or campaign.state == Campaign.State.DRAFT else 200)
    return render(request, "adminpanel/campaign.html", context)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
@draft_only
def campaign_delete(request, campaign: Campaign):
    """Delete a draft: asks first, then throws it away (a campaign sent already stays)."""
    if request.method == "GET":
        return render(request, "adminpanel/campaign_delete.html", {"campaign": campaign})
    campaign_id = campaign.pk  # gone once deleted
    if services.delete_draft(campaign=campaign):
        audit.record(request, "campaign.delete", _("Deleted the draft mass email “%(subject)s”.")
                     % {"subject": campaign.subject}, target=f"campaign {campaign_id}")
        messages.success(request, _("The draft was deleted."))
    return redirect("adminpanel:campaigns")


@office_admin_required
@require_POST
def campaign_cancel(request, campaign_id: int):
    """Stop queuing the rest of a campaign (what is already queued still goes out)."""
    campaign = access_campaign(tenant=request.tenant, campaign_id=campaign_id)
    if services.cancel_campaign(campaign=campaign, acting_user=request.user):
        audit.record(request, "campaign.cancel", _("Cancelled the mass email “%(subject)s”.")
                     % {"subject": campaign.subject}, target=f"campaign {campaign.pk}")
        messages.success(request, _("The rest of this campaign will not be sent."))
    else:
        messages.info(request, _("This campaign is no longer being queued: nothing was cancelled."))
    return redirect("adminpanel:campaign_detail", campaign_id=campaign.pk)
