"""The office's list screens: one FilterSet filters the page, pages it and exports exactly those rows to Excel.

A screen declares a FilterSet (its query string names are the screen's filter names) and the
columns of its workbook; `list_page` gives the template the filters, the page (50 rows) and the
export link's query string, and `xlsx_response` writes the same filtered rows, every page of
them. A bad filter is reported on its field and left out; the other filters still apply.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Callable, Iterable

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

PAGE_SIZE = 50
CHUNK = 1000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '"$"#,##0.00;("$"#,##0.00)'
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RangeCheckedForm(forms.Form):
    """A filter form that refuses a range whose end comes before its start (that field only)."""

    ranges: tuple[tuple[str, str, str], ...] = ()

    def clean(self):
        data = super().clean()
        for start, end, message in self.ranges:
            low, high = data.get(start), data.get(end)
            if low is not None and high is not None and low > high:
                self.add_error(end, message)
        return data


class OfficeFilterSet(django_filters.FilterSet):
    """A FilterSet over one city's rows; `ranges` are (start, end, message) pairs checked by its form."""

    ranges: tuple[tuple[str, str, str], ...] = ()

    class Meta:
        form = RangeCheckedForm

    def __init__(self, data=None, queryset=None, *, tenant, request=None, prefix=None):
        self.tenant = tenant
        super().__init__(data, queryset, request=request, prefix=prefix)

    def get_form_class(self):
        form_class = super().get_form_class()
        form_class.ranges = tuple((start, end, str(message)) for start, end, message in self.ranges)
        return form_class


@dataclass
class ListPage:
    filters: OfficeFilterSet
    page: Page
    totals: dict = field(default_factory=dict)

    @property
    def form(self) -> forms.Form:
        return self.filters.form


def filtered(request, filterset_class: type[OfficeFilterSet], queryset: QuerySet) -> OfficeFilterSet:
    """The screen's filters, read from the query string, over the city's rows."""
    return filterset_class(request.GET, queryset=queryset, tenant=request.tenant, request=request)


def list_page(request, filterset_class: type[OfficeFilterSet], queryset: QuerySet, *,
              totals: dict | None = None) -> ListPage:
    """The filtered rows, 50 a page (a page past the end is the last one).

    `totals` are aggregates over every filtered row ({name: Sum(...)}), read in the same query as the
    pager's row count (each is a pass over the rows: one, not two).
    """
    filters = filtered(request, filterset_class, queryset)
    paginator = Paginator(filters.qs, PAGE_SIZE)
    figures = {}
    if totals:
        figures = filters.qs.order_by().aggregate(listed=Count("pk"), **totals)
        paginator.count = figures.pop("listed")  # Paginator.count is a cached property: this is its value
    return ListPage(filters, paginator.get_page(request.GET.get("page")), figures)


@dataclass(frozen=True)
class Column:
    """One column of an export: its header, how a row gives its value, its Excel number format and width."""

    header: str
    value: Callable[[Any], Any]
    number_format: str | None = None
    width: int = 16


def local_datetime(value: datetime | None, zone) -> datetime | None:
    """A time as the city's clock shows it, without a zone (Excel has none)."""
    return timezone.localtime(value, zone).replace(tzinfo=None) if value else None


def _cell(sheet, value, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a name typed as "=HYPERLINK(...)" stays text, never a formula
    elif number_format and value is not None:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_xlsx(*, title: str, columns: list[Column], rows: Iterable) -> IO[bytes]:
    """The rows as a workbook in a temporary file (rewound), written as they come.

    A write-only workbook keeps only the current row in memory; callers pass a queryset's
    iterator(chunk_size=...) so thousands of rows cost neither memory nor a query each.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, str(c.header), bold=True) for c in columns])
    for row in rows:
        sheet.append([_cell(sheet, c.value(row), c.number_format) for c in columns])
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def export_filename(tenant, name: str) -> str:
    """<name>-<city>-<city's date>.xlsx"""
    today = timezone.localtime(timezone.now(), tenant.zone).date()
    return f"{name}-{tenant.slug}-{today.isoformat()}.xlsx"


def xlsx_response(*, filename: str, title: str, columns: list[Column], rows: Iterable) -> FileResponse:
    """The workbook as a download that no cache keeps."""
    workbook = write_xlsx(title=title, columns=columns, rows=rows)
    response = FileResponse(workbook, as_attachment=True, filename=filename, content_type=XLSX)
    response["Cache-Control"] = "private, no-store"
    return response


def export(request, filterset_class: type[OfficeFilterSet], queryset: QuerySet, *, name: str, title: str,
           columns: list[Column], row: Callable[[Any], Any] = lambda obj: obj) -> FileResponse:
    """Export to Excel: exactly the rows the screen's filters select, every page of them (each through `row`)."""
    rows = map(row, filtered(request, filterset_class, queryset).qs.iterator(chunk_size=CHUNK))
    return xlsx_response(filename=export_filename(request.tenant, name), title=title or _("Export"),
                         columns=columns, rows=rows)
