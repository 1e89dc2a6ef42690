"""Email log (Admin - Email log, the guide's running list of emails sent): every email of the city, newest first."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from communications.outbox.labels import kind_label
from communications.outbox.models import OutboundEmail
from communications.rich_text import sanitize
from portal.access import office_admin_required

from .email_log_filters import EmailLogFilter
from .listing import DATETIME_FORMAT, Column, export, list_page, local_datetime

# The log lists what a page needs; the bodies are read only on the message's own page.
LIST_FIELDS = ("id", "kind", "to", "subject", "state", "queued_at", "sent_at", "last_error", "attempts",
               "next_attempt_at", "account_number")


def source_label(tenant, source: str) -> str:
    """A sending as the office names it: "Email Bills, period 2026-12", a campaign's subject, an event's day."""
    from datetime import date

    from django.utils.formats import date_format

    from communications.bill_emails.models import BillEmailRun
    from communications.campaigns.models import Campaign
    from communications.events.models import EmailEvent

    kind, _sep, rest = source.partition(":")
    ident, _sep, day = rest.partition(":")
    if source == "test":
        return _("tests sent from the email editors")
    if not ident.isdigit():
        return source
    if kind == "bills":
        run = BillEmailRun.objects.filter(tenant=tenant, period_id=int(ident)).first()
        return _("Email Bills, period %(period)s") % {"period": run.period_label} if run else source
    if kind == "campaign":
        campaign = Campaign.objects.filter(tenant=tenant, pk=int(ident)).first()
        return _("the mass email “%(subject)s”") % {"subject": campaign.subject} if campaign else source
    if kind == "event":
        event = EmailEvent.objects.filter(tenant=tenant, pk=int(ident)).first()
        try:
            when = date_format(date.fromisoformat(day), "M j, Y")
        except ValueError:
            return source
        return _("%(event)s on %(day)s") % {"event": event.get_kind_display(), "day": when} if event else source
    return source


def _emails(request):
    return OutboundEmail.objects.filter(tenant=request.tenant).order_by("-queued_at", "-id")


@office_admin_required
@never_cache
@require_GET
def email_log(request):
    """Every email the portal queued for this city, filtered, 50 a page."""
    listing = list_page(request, EmailLogFilter, _emails(request).only(*LIST_FIELDS))
    rows = [{"email": e, "kind": kind_label(e.kind)} for e in listing.page.object_list]
    source = request.GET.get("source", "").strip()
    return render(request, "adminpanel/email_log.html", {
        "form": listing.form, "page": listing.page, "rows": rows,
        "source": source_label(request.tenant, source) if source else ""})


@office_admin_required
@never_cache
@require_GET
def email_message(request, email_id: int):
    """One email as it was sent: its headers, its text part and its HTML part."""
    email = get_object_or_404(OutboundEmail.objects.select_related("attachment", "user"), pk=email_id,
                              tenant=request.tenant)
    return render(request, "adminpanel/email_message.html", {
        "email": email, "kind": kind_label(email.kind), "html": sanitize(email.html) if email.html else ""})


@office_admin_required
@require_GET
def email_log_export(request):
    """Export to Excel: the filtered emails, every page."""
    zone = request.tenant.zone
    columns = [
        Column(_("Queued"), lambda e: local_datetime(e.queued_at, zone), DATETIME_FORMAT, 18),
        Column(_("Sent"), lambda e: local_datetime(e.sent_at, zone) if e.sent_at else None, DATETIME_FORMAT, 18),
        Column(_("Status"), lambda e: e.get_state_display(), width=14),
        Column(_("To"), lambda e: e.to, width=30),
        Column(_("Subject"), lambda e: e.subject, width=50),
        Column(_("Kind"), lambda e: kind_label(e.kind), width=24),
        Column(_("Account"), lambda e: e.account_number, width=14),
        Column(_("Error"), lambda e: e.last_error, width=40),
    ]
    return export(request, EmailLogFilter, _emails(request).only(*LIST_FIELDS), name="email-log",
                  title=_("Email log"), columns=columns)
