"""Bills and Payments' table: one page of an account's history, rendered once per copy of the history.

The rows change only when the history is copied again from COWS (a new `synced_at`), so a page's HTML
is kept in the cache under that stamp, the page number and the language, and dropped with them.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language

from .. import formatting as fmt

PAGE_SIZE = 50
KEEP_SECONDS = 3600


def _rows(tenant, account_key: str, entries) -> list[dict]:
    base = reverse("billing:account_history", kwargs={"account_key": account_key})
    bill_ids = [e.bill_id for e in entries if e.bill_id]
    pdf_ready = set(tenant.bills.filter(account_key=account_key, bill_id__in=bill_ids, pdf_available=True)
                    .values_list("bill_id", flat=True)) if bill_ids else set()
    return [{
        "id": e.group_id, "date": fmt.short_date(e.date), "description": e.description, "kind": e.kind,
        "amount": fmt.money(e.amount), "detail_url": f"{base}{e.group_id}/",
        "bill_url": f"{base.rsplit('history/', 1)[0]}bills/{e.bill_id}.pdf" if e.bill_id else "",
        "bill_id": e.bill_id, "pdf_ready": e.bill_id in pdf_ready,
    } for e in entries]


def _requested_page(raw) -> int | None:
    """The page asked for: 1 when it is not a number (as Django's paginator does), None when below 1."""
    try:
        number = int(raw or 1)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else None


def history_table_html(*, tenant, account_key: str, synced_at, page=None) -> str:
    """One page (50 rows, newest first) of an account's bills and payments as HTML, kept until the next copy."""
    stamp = synced_at.timestamp() if synced_at else "none"
    prefix = f"history-table:{tenant.id}:{account_key}:{stamp}"
    number = _requested_page(page)
    last = cache.get(f"{prefix}:pages") if number else None
    if number and last:
        number = min(number, last)  # past the end is the last page, as the paginator answers
        html = cache.get(f"{prefix}:{number}:{get_language()}")
        if html is not None:
            return html
    entries = tenant.history_entries.filter(account_key=account_key).order_by("-date", "-group_id")
    shown = Paginator(entries, PAGE_SIZE).get_page(page)
    html = render_to_string("billing/_history_table.html",
                            {"rows": _rows(tenant, account_key, shown.object_list), "page": shown})
    # Kept under the page it really is, so made-up page numbers cannot fill the cache.
    cache.set_many({f"{prefix}:pages": shown.paginator.num_pages,
                    f"{prefix}:{shown.number}:{get_language()}": html}, KEEP_SECONDS)
    return html
