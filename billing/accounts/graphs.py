"""Usage and billing graphs of an account, year over year, as Plotly figures and plain tables.

The figures are built here as plain JSON (no plotly Python package needed at run time) and drawn
in the browser by the vendored plotly.js basic bundle. Usage figures are exactly the office's
(UsageRead.usage as COWS reported it), never recomputed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from ..formatting import money as format_money

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
YEARS_SHOWN = 4


def _month_names() -> list[str]:
    from django.utils.dates import MONTHS_3

    return [str(MONTHS_3[m]).title() for m in range(1, 13)]


@dataclass
class Graph:
    id: str
    title: str
    unit: str
    years: list[int]
    table: list[dict]  # one row per month: {"month": "Jan", "values": [str per year]}
    figure: dict

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"


def _year_month(label: str, fallback) -> tuple[int, int]:
    try:
        year, month = label.split("-")[:2]
        return int(year), int(month)
    except (ValueError, AttributeError):
        return fallback.year, fallback.month


def _graph(graph_id: str, title: str, unit: str, values: dict[int, dict[int, Decimal]], money: bool) -> Graph:
    years = sorted(values)[-YEARS_SHOWN:]
    months = _month_names()
    palette = ["#9ca3af", "#6b7280", "#60a5fa", "#1d4ed8"][-len(years):] if years else []
    traces = []
    for year, colour in zip(years, palette):
        traces.append({
            "type": "bar", "name": str(year), "x": months,
            "y": [float(values[year][m]) if m in values[year] else None for m in range(1, 13)],
            "marker": {"color": colour},
            "hovertemplate": ("%{x} " + str(year) + ": $%{y:,.2f}<extra></extra>") if money
            else ("%{x} " + str(year) + ": %{y} " + unit + "<extra></extra>"),
        })
    figure = {
        "data": traces,
        "layout": {
            "barmode": "group", "margin": {"l": 56, "r": 8, "t": 8, "b": 40}, "height": 320,
            "legend": {"orientation": "h", "y": -0.18},
            "yaxis": {"title": {"text": "$" if money else unit}, "rangemode": "tozero",
                      "tickprefix": "$" if money else ""},
            "font": {"family": "system-ui, sans-serif", "size": 13},
        },
    }

    def show(v):
        if v is None:
            return "—"
        return format_money(v) if money else f"{v.normalize():f}"

    table = [{"month": months[m - 1], "values": [show(values[y].get(m)) for y in years]} for m in range(1, 13)]
    return Graph(id=graph_id, title=title, unit="$" if money else unit, years=years, table=table, figure=figure)


def _service_order(service: str) -> tuple[int, str]:
    """Water first, as on the office's statements; then the rest by name."""
    preferred = ("WATER", "SEWER")
    return (preferred.index(service), "") if service in preferred else (len(preferred), service)


def account_graphs(*, tenant, account_key: str, unit: str = "") -> list[Graph]:
    """One usage graph per metered service, then billed totals, from the local copy of the history."""
    from django.utils import timezone

    # Only the years drawn are read: a customer of decades costs no more than a new one.
    first_year = timezone.localdate().year - YEARS_SHOWN
    usage: dict[str, dict[int, dict[int, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for service, label, read_date, amount in tenant.usage_reads.filter(
            account_key=account_key, read_date__gte=f"{first_year}-12-01").order_by(
            "service", "read_date").values_list("service", "period_label", "read_date", "usage"):
        year, month = _year_month(label, read_date)
        usage[service][year][month] = amount
    billed: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for label, bill_date, amount in tenant.bills.filter(account_key=account_key,
                                                        bill_date__gte=f"{first_year}-12-01").values_list(
            "period_label", "bill_date", "current_charges"):
        year, month = _year_month(label, bill_date)
        billed[year][month] = amount

    unit = unit or _("thousand gallons")
    graphs = [
        _graph(f"usage-{i}", _("%(service)s usage by month") % {"service": service.title()}, unit, years, money=False)
        for i, (service, years) in enumerate(sorted(usage.items(), key=lambda kv: _service_order(kv[0])))
    ]
    if billed:
        graphs.append(_graph("billed", _("Total billed by month"), "$", billed, money=True))
    return graphs


def graphs_html(*, tenant, account_key: str, synced_at) -> str:
    """The graphs' HTML, kept until the history is copied again (a new `synced_at`) or for an hour."""
    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.utils.translation import get_language

    stamp = synced_at.timestamp() if synced_at else "none"
    cache_key = f"graphs:{tenant.id}:{account_key}:{stamp}:{get_language()}"
    html = cache.get(cache_key)
    if html is None:
        html = render_to_string("billing/_graphs.html", {"graphs": account_graphs(tenant=tenant, account_key=account_key)})
        cache.set(cache_key, html, 3600)
    return html
