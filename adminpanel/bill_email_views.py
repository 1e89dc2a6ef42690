"""Utility Admin → Email Bills: each closed period's bill emails to paperless customers, and how they went."""

from __future__ import annotations

import django_filters as df
from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from communications.bill_emails import selectors
from communications.bill_emails.models import BillEmailRun
from portal.access import office_admin_required

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
    return {"period": run.period_label, "started_at": timezone.localtime(run.started_at, zone),
            "state": run.get_state_display(), "figures": figures,
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
