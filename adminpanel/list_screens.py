"""A list screen's views made from one description: the page (its filters, 50 a page) and its Excel export.

Portal Users, Portal members and Failed link attempts are each a `ListScreen`; the views check the office admin
(404 for anyone else), never cache the page, and read rows only from the request's city.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.access import office_admin_required

from .listing import Column, OfficeFilterSet, export, list_page


@dataclass(frozen=True)
class ListScreen:
    """What a list screen shows: the city's rows, how they are filtered, one row's dict, its template and export."""

    filterset: type[OfficeFilterSet]
    rows: Callable[..., QuerySet]  # rows(tenant=...): the city's rows in the screen's order
    row: Callable[[Any, Any], dict]  # row(obj, zone): one row, the same on the page and in the export
    template: str
    export_name: str = ""  # the workbook's file name starts with it
    export_title: str = ""
    columns: Callable[[], list[Column]] | None = None


def page_view(screen: ListScreen, doc: str):
    """The screen's page: filters from the query string, 50 rows a page."""
    @office_admin_required
    @never_cache
    @require_GET
    def view(request):
        listing = list_page(request, screen.filterset, screen.rows(tenant=request.tenant))
        zone = request.tenant.zone
        return render(request, screen.template, {
            "form": listing.form, "page": listing.page,
            "rows": [screen.row(obj, zone) for obj in listing.page.object_list]})
    view.__doc__ = doc
    return view


def export_view(screen: ListScreen, doc: str):
    """The screen's Export to Excel: exactly the rows its filters select, every page."""
    @office_admin_required
    @require_GET
    def view(request):
        zone = request.tenant.zone
        return export(request, screen.filterset, screen.rows(tenant=request.tenant), name=screen.export_name,
                      title=str(screen.export_title), columns=screen.columns(),
                      row=lambda obj: screen.row(obj, zone))
    view.__doc__ = doc
    return view
