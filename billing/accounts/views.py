from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cows_bridge.errors import CowsError, CowsNotFound

from .. import formatting as fmt
from . import services
from .access import access_account
from .extras import JUST_LINKED, extras_for
from .history import ensure_history
from .history_table import history_table_html
from .pdfs import bill_pdf_bytes
from .snapshots import accounts_for_user

@login_required
@require_GET
def home(request):
    """Utility Billing home: every account the user may see, with balance due and due date."""
    view = accounts_for_user(tenant=request.tenant, user=request.user)
    extras = extras_for(tenant=request.tenant, user=request.user, account_keys=[r.key for r in view.rows])
    for row in view.rows:
        row.extras = extras[row.key]
    linked_key = request.session.pop(JUST_LINKED, None)
    just_linked = next((r for r in view.rows if r.key == linked_key), None)
    offers = [e for e in just_linked.extras if e.setup_url] if just_linked else []
    return render(request, "billing/home.html", {"view": view, "just_linked": just_linked, "offers": offers})


def _choose_account(request, url_name: str, title: str):
    """Bills and Payments / Graphs from the menu: straight to the account, or pick one of several."""
    view = accounts_for_user(tenant=request.tenant, user=request.user)
    if len(view.rows) == 1:
        return redirect(url_name, account_key=view.rows[0].key)
    return render(request, "billing/choose_account.html", {"view": view, "url_name": url_name, "title": title})


@login_required
@require_GET
def history_index(request):
    return _choose_account(request, "billing:account_history", _("Bills and Payments"))


@login_required
@require_GET
def graphs_index(request):
    return _choose_account(request, "billing:account_graphs", _("Graphs"))


@login_required
@require_GET
def account_history(request, account_key: str):
    """Bills and Payments: every bill and transaction, newest first, 50 a page."""
    account = access_account(request, account_key)
    status = ensure_history(tenant=request.tenant, account_key=account_key)
    table_html = history_table_html(tenant=request.tenant, account_key=account_key, synced_at=status.synced_at,
                                    page=request.GET.get("page"))
    if request.htmx and request.GET.get("page"):
        return HttpResponse(table_html)
    extras = extras_for(tenant=request.tenant, user=request.user, account_keys=[account_key])[account_key]
    return render(request, "billing/history.html", {"account": account, "status": status, "table_html": table_html,
                                                    "extras": extras})


@login_required
@require_GET
def history_entry(request, account_key: str, group_id: str):
    """The breakdown of one bill or payment by service (in place with htmx, or as its own page)."""
    account = access_account(request, account_key)
    entry = request.tenant.history_entries.filter(account_key=account_key, group_id=group_id).first()
    if entry is None:
        raise Http404
    lines = request.tenant.history_lines.filter(account_key=account_key, group_id=group_id).order_by("line_id")
    rows = [{"date": fmt.short_date(l.date), "service": l.service, "description": l.description,
             "amount": fmt.money(l.amount), "usage": fmt.quantity(l.usage), "kind": l.kind} for l in lines]
    context = {"account": account, "entry": entry, "entry_date": fmt.short_date(entry.date),
               "entry_amount": fmt.money(entry.amount), "lines": rows}
    if request.htmx:
        return render(request, "billing/_breakdown.html", context)
    return render(request, "billing/breakdown.html", context)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def bill_pdf(request, account_key: str, bill_id: str):
    """A bill's PDF, for users who may see the account; kept locally once fetched."""
    account = access_account(request, account_key)
    if bill_id == "latest":
        ensure_history(tenant=request.tenant, account_key=account_key)
        bill = request.tenant.bills.filter(account_key=account_key).order_by("-bill_date").first()
    else:
        bill = request.tenant.bills.filter(account_key=account_key, bill_id=bill_id).first()
    if bill is None:
        raise Http404
    filename = f"bill-{account.customer_number}-{bill.period_label or bill.bill_id}.pdf"
    if not bill.pdf_available:
        return render(request, "billing/pdf_unavailable.html", {"account": account, "bill": bill}, status=404)
    try:
        pdf = bill_pdf_bytes(tenant=request.tenant, bill=bill)
    except CowsNotFound:
        return render(request, "billing/pdf_unavailable.html", {"account": account, "bill": bill}, status=404)
    except CowsError:
        return render(request, "billing/pdf_unavailable.html", {"account": account, "bill": bill, "unreachable": True},
                      status=503)
    return _pdf_response(pdf, filename)


@login_required
@require_POST
def paperless(request, account_key: str):
    """Enroll in paperless billing, or go back to paper statements."""
    account = access_account(request, account_key)
    want = request.POST.get("paperless") == "on"
    try:
        now_paperless = services.set_paperless(tenant=request.tenant, account_key=account_key, paperless=want,
                                               acting_user=request.user)
    except CowsError:
        messages.error(request, _("We can't reach the city's billing system right now, so nothing was changed. "
                                  "Please try again in a few minutes."))
    else:
        if now_paperless:
            messages.success(request, _("Account %(number)s is enrolled in paperless billing. Bills will come by email.")
                             % {"number": account.customer_number})
        else:
            messages.success(request, _("Account %(number)s will get paper statements again.")
                             % {"number": account.customer_number})
    return redirect("billing:home")


@login_required
@require_GET
def account_graphs(request, account_key: str):
    """Usage per metered service and billed totals, this year against the years before."""
    from .graphs import graphs_html

    account = access_account(request, account_key)
    status = ensure_history(tenant=request.tenant, account_key=account_key)
    html = graphs_html(tenant=request.tenant, account_key=account_key, synced_at=status.synced_at)
    return render(request, "billing/graphs.html", {"account": account, "status": status, "graphs_html": html})
