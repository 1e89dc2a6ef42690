"""Utility Admin → Email Bills: each closed period's bill emails to paperless customers, and how they went."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from communications.bill_emails import selectors
from communications.bill_emails.again import send_failed_again
from communications.bill_emails.models import BillEmailRun
from cows_bridge.wording import retrying_words
from portal.access import office_admin_required

from . import audit
from .listing import DATETIME_FORMAT, Column, OfficeFilterSet, filtered, list_page, local_datetime, xlsx_response
from .listing import export_filename


class BillEmailRunFilter(OfficeFilterSet):
    """Find a period's run by its label (2026-11)."""

    period = df.CharFilter(field_name="period_label", lookup_expr="icontains", label=_("Period"), max_length=20,
                           widget=forms.TextInput(attrs={"type": "search"}))

    class Meta(OfficeFilterSet.Meta):
        model = BillEmailRun
        fields = ["period"]


def _state(run: BillEmailRun) -> str:
    """The run's status; a run that waits for COWS says so rather than "Sending"."""
    if run.last_error and run.state == BillEmailRun.State.WALKING:
        return _g("Waiting for Caselle")
    return run.get_state_display()


def _row(figures: selectors.RunFigures, zone) -> dict:
    run = figures.run
    return {"id": run.pk, "period": run.period_label, "started_at": timezone.localtime(run.started_at, zone),
            "state": _state(run), "figures": figures, "error": retrying_words(run.last_error) if run.last_error else "",
            "log_url": reverse("adminpanel:email_log") + "?" + urlencode({"source": run.source})}


@office_admin_required
@never_cache
@require_GET
def bill_emails(request):
    """Email Bills: the runs, newest first, with accounts, emails queued, sent, failed, waiting and unsubscribed."""
    listing = list_page(request, BillEmailRunFilter, selectors.runs(tenant=request.tenant))
    figures = selectors.run_figures(tenant=request.tenant, runs=list(listing.page.object_list))
    return render(request, "adminpanel/bill_emails.html", {
        "form": listing.form, "page": listing.page, "rows": [_row(f, request.tenant.zone) for f in figures]})


def _columns(zone) -> list[Column]:
    return [Column(_("Period"), lambda f: f.run.period_label, width=10),
            Column(_("Started"), lambda f: local_datetime(f.run.started_at, zone), DATETIME_FORMAT, width=18),
            Column(_("Status"), lambda f: _state(f.run), width=20),
            *(Column(header, value, "0", width=12) for header, value in (
                (_("Paperless accounts"), lambda f: f.accounts), (_("Emails queued"), lambda f: f.queued),
                (_("Sent"), lambda f: f.sent), (_("Failed"), lambda f: f.failed),
                (_("Waiting for the PDF"), lambda f: f.waiting_pdf),
                (_("Unsubscribed (not sent)"), lambda f: f.suppressed),
                (_("Bill PDF never came"), lambda f: f.no_pdf), (_("No bill or no address"), lambda f: f.not_sent)))]


@office_admin_required
@require_GET
def bill_emails_export(request):
    """Export to Excel: the periods the filter selects (one row a month: read whole), with their figures."""
    runs = list(filtered(request, BillEmailRunFilter, selectors.runs(tenant=request.tenant)).qs)
    return xlsx_response(filename=export_filename(request.tenant, "email-bills"), title=_g("Email Bills"),
                         columns=_columns(request.tenant.zone),
                         rows=selectors.run_figures(tenant=request.tenant, runs=runs))


@office_admin_required
@require_POST
def send_again(request, run_id: int):
    """Send again to the failed ones: a copy of each failed bill email of the period, queued once."""
    try:
        run = selectors.access_run(tenant=request.tenant, run_id=run_id)
    except BillEmailRun.DoesNotExist:
        raise Http404 from None
    queued = send_failed_again(tenant=request.tenant, run=run, acting_user=request.user)
    audit.record(request, "bill_emails.send_again", _g("Sent the failed bill emails of period %(period)s again: "
                                                       "%(queued)d queued") % {"period": run.period_label,
                                                                                "queued": queued},
                 target=_g("period %(period)s") % {"period": run.period_label})
    messages.success(request, ngettext("%(queued)d bill email of period %(period)s will be sent again.",
                                       "%(queued)d bill emails of period %(period)s will be sent again.", queued)
                     % {"queued": queued, "period": run.period_label})
    return redirect("adminpanel:bill_emails")
