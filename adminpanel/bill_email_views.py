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
from portal.access import office_admin_required

from . import audit
from .listing import OfficeFilterSet, list_page


class BillEmailRunFilter(OfficeFilterSet):
    """Find a period's run by its label (2026-11)."""

    period = df.CharFilter(field_name="period_label", lookup_expr="icontains", label=_("Period"), max_length=20,
                           widget=forms.TextInput(attrs={"type": "search"}))

    class Meta(OfficeFilterSet.Meta):
        model = BillEmailRun
        fields = ["period"]


def _row(figures: selectors.RunFigures, zone) -> dict:
    run = figures.run
    return {"id": run.pk, "period": run.period_label, "started_at": timezone.localtime(run.started_at, zone),
            "state": run.get_state_display(), "figures": figures, "error": run.last_error,
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
