"""Admin - Deposit Reconciliation: a deposit the bank received, line by line, and its export to Excel."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billing.payments.deposits import DepositsUnavailable, deposits_for
from portal.access import office_admin_required

from .deposit_forms import DepositForm
from .deposit_rows import deposit_columns, export_rows
from .listing import export_filename, xlsx_response


def _retrieve(request) -> tuple[DepositForm, object, str]:
    """The form from the query string and, when it is good, the deposit (or why the provider could not say)."""
    form = DepositForm(request.GET if "deposit_date" in request.GET else None, tenant=request.tenant)
    if not form.is_bound or not form.is_valid():
        return form, None, ""
    try:
        return form, deposits_for(tenant=request.tenant, **form.cleaned_data), ""
    except DepositsUnavailable as exc:
        return form, None, str(exc)


@office_admin_required
@never_cache
@require_GET
def deposits(request):
    """Enter the deposit date and the provider account; Retrieve Deposits lists every payment and return in it."""
    form, report, problem = _retrieve(request)
    context = {"form": form, "report": report, "problem": problem,
               "no_accounts": not form.fields["account"].queryset.exists()}
    return render(request, "adminpanel/deposits.html", context, status=400 if form.errors else 200)


@office_admin_required
@never_cache
@require_GET
def deposits_export(request):
    """The same deposit as an Excel workbook, a row per line and its totals."""
    form, report, problem = _retrieve(request)
    if report is None or not report.found:  # the screen says why
        return redirect(reverse("adminpanel:deposits") + "?" + urlencode(request.GET))
    name = f"deposit-{report.deposit_date.isoformat()}"
    return xlsx_response(filename=export_filename(request.tenant, name), title=_("Deposit"),
                         columns=deposit_columns(), rows=export_rows(report))
