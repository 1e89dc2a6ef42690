"""The office's email templates: Admin → Email, Utility Admin → Email and Billing Emails, and one edit screen."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from communications import email_templates, rich_text
from communications.mailing import current_template
from communications.selectors import customised_templates, latest_communication
from communications.templates_registry import KINDS, VARIABLE_HELP, kinds_for
from portal.access import office_admin_required

from . import audit
from .email_forms import EmailTemplateForm

# menu -> (its list's URL name, its title, what it is for)
PAGES = {
    "admin": ("emails", gettext_lazy("Email"), gettext_lazy(
        "Automatic emails the portal sends. Each starts with our default words; change any of them.")),
    "utility": ("utility_emails", gettext_lazy("Utility emails"), gettext_lazy(
        "Emails sent for utility billing: payment reminders, past due notices and AutoPay problems.")),
    "billing": ("billing_emails", gettext_lazy("Billing Emails"), gettext_lazy(
        "The email that goes out with each form sent through Splitter/Email Bills. Be careful which template "
        "you change: each form has its own. Add LatestCommunicationLink once you post a new communication.")),
}


def _list(request, menu: str):
    kinds = kinds_for(menu)
    own = customised_templates(tenant=request.tenant, kinds=[k.key for k in kinds])
    url_name, title, intro = PAGES[menu]
    rows = [{"kind": k, "own": own.get(k.key)} for k in kinds]
    return render(request, "adminpanel/email_list.html", {"title": title, "intro": intro, "rows": rows})


@office_admin_required
@never_cache
@require_GET
def emails(request):
    """Admin → Email: the receipt, the AutoPay emails and the new-communication email."""
    return _list(request, "admin")


@office_admin_required
@never_cache
@require_GET
def utility_emails(request):
    """Utility Admin → Email: payment reminder, past due, AutoPay failed and over the maximum."""
    return _list(request, "utility")


@office_admin_required
@never_cache
@require_GET
def billing_emails(request):
    """Utility Admin → Billing Emails: one template per Splitter/Email Bills form."""
    return _list(request, "billing")


def _communication_note(request, kind) -> str:
    if "LatestCommunicationLink" not in kind.variables:
        return ""
    newest = latest_communication(tenant=request.tenant)
    if newest is None:
        return _("No communication is current: LatestCommunicationLink points to the list of communications "
                 "until you post one.")
    return _("LatestCommunicationLink points to “%(description)s”, the newest current communication.") % {
        "description": newest.description}


def _reset(request, kind):
    done = email_templates.reset_email_template(tenant=request.tenant, kind=kind.key, acting_user=request.user)
    if done is None:
        messages.info(request, _("This email already uses the default words."))
    else:
        audit.record(request, "email_template.reset", _("Put the email “%(label)s” back to the default.")
                     % {"label": kind.label}, target=str(kind.label), changes=audit.changes(*done))
        messages.success(request, _("The email “%(label)s” uses the default words again.") % {"label": kind.label})
    return redirect("adminpanel:email_edit", kind=kind.key)


def _save(request, kind, form):
    before, after = email_templates.save_email_template(
        tenant=request.tenant, kind=kind.key, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"],
        acting_user=request.user)
    changed = audit.changes(before, after)
    if not changed:
        messages.info(request, _("Nothing changed."))
    else:
        audit.record(request, "email_template.save", _("Saved the email “%(label)s”.") % {"label": kind.label},
                     target=str(kind.label), changes=changed)
        messages.success(request, _("The email “%(label)s” was saved.") % {"label": kind.label})
    return redirect("adminpanel:email_edit", kind=kind.key)


def _send_test(request, kind, form):
    try:
        sent = email_templates.send_test_email(tenant=request.tenant, kind=kind.key,
                                               subject=form.cleaned_data["subject"], body=form.cleaned_data["body"],
                                               acting_user=request.user)
    except Exception:  # the mailer's failure, said plainly; nothing else changed
        messages.error(request, _("The test could not be sent just now. Try again in a few minutes."))
        return None
    audit.record(request, "email_template.test", _("Sent a test of the email “%(label)s” to %(email)s.")
                 % {"label": kind.label, "email": request.user.email}, target=str(kind.label))
    messages.success(request, _("A test was sent to %(email)s: “%(subject)s”.")
                     % {"email": request.user.email, "subject": sent.subject})
    return sent


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def email_edit(request, kind: str):
    """One email: subject and body, the variable picker, Preview, Send me a test, Back to the default."""
    email_kind = KINDS.get(kind)
    if email_kind is None:
        raise Http404
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "reset":
        return _reset(request, email_kind)
    subject, body, own = current_template(tenant=request.tenant, kind=kind)
    data = None
    if request.method == "POST":
        # What is shown again in the editor is the sanitized body, never the raw one typed.
        data = request.POST.copy()
        data["body"] = rich_text.as_html(data.get("body", ""))
    form = EmailTemplateForm(data, kind=email_kind, initial={"subject": subject, "body": body})
    shown = None
    if request.method == "POST" and form.is_valid():
        if action == "save":
            return _save(request, email_kind, form)
        shown = _send_test(request, email_kind, form) if action == "test" else email_templates.preview(
            tenant=request.tenant, kind=kind, subject=form.cleaned_data["subject"], body=form.cleaned_data["body"])
    page_url, page_title, _intro = PAGES[email_kind.menu]
    request.office_menu_current = page_url  # the menu marks the list this email is under
    context = {
        "kind": email_kind, "form": form, "own": own, "page_url": f"adminpanel:{page_url}", "page_title": page_title,
        "variables": [{"name": v, "help": VARIABLE_HELP.get(v, "")} for v in email_kind.variables],
        # Rendered by the safe renderer and sanitized (communications.rich_text): allow-listed tags only.
        "preview": shown and {"subject": shown.subject, "html": mark_safe(shown.html), "text": shown.text},
        "communication_note": _communication_note(request, email_kind),
    }
    return render(request, "adminpanel/email_edit.html", context, status=400 if form.errors else 200)
