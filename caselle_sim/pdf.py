"""The bill PDF, as the office's Splitter/Email Bills step would produce it.

Rendered with WeasyPrint on first request and cached beside the office's datastore; the
cache is keyed by bill id, and a closed period's bill never changes, so it is never stale.
"""

from __future__ import annotations

import html
import os
import threading
from pathlib import Path

from . import money
from .ledger import Bill, Ledger
from .store import Office

_import_lock = threading.Lock()
# WeasyPrint's text layout (Pango) is not documented as thread-safe; renders are ~50 ms each
# and cached, so serializing them costs nothing that matters.
_render_lock = threading.Lock()


def _weasyprint():  # type: ignore[no-untyped-def]
    # Imported lazily (it takes ~0.5 s); the server warms it in the background at start.
    with _import_lock:
        import weasyprint

        return weasyprint


def warm_up() -> None:
    try:
        _weasyprint()
    except Exception:  # noqa: BLE001 - a broken install shows on the first PDF request instead
        pass


CSS = """
@page { size: Letter; margin: 0.6in; }
body { font-family: sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 18pt; margin: 0; }
.sub { color: #444; margin-bottom: 14pt; }
table { border-collapse: collapse; width: 100%; margin-top: 8pt; }
th, td { border-bottom: 1px solid #ccc; padding: 3pt 5pt; text-align: left; }
td.n, th.n { text-align: right; }
.box { border: 1.5px solid #111; padding: 8pt; margin-top: 12pt; }
.total { font-size: 14pt; font-weight: bold; }
.grid { display: flex; gap: 24pt; }
"""


def render_html(office: Office, led: Ledger, bill: Bill) -> str:
    c = led.customer
    p = bill.period
    e = html.escape
    rows = []
    for line in bill.lines:
        read = bill.reads.get(line.service)
        reads = f"{read.previous_read} &rarr; {read.current_read}" if read else ""
        meter = e(read.meter_number) if read else ""
        rows.append(
            f"<tr><td>{e(line.service)}</td><td>{meter}</td><td class='n'>{reads}</td>"
            f"<td class='n'>{e(line.usage)}</td><td class='n'>{money.fmt(line.amount)}</td></tr>"
        )
    for line in bill.penalty_lines:
        rows.append(f"<tr><td>{e(line.description)}</td><td></td><td></td><td></td>"
                    f"<td class='n'>{money.fmt(line.amount)}</td></tr>")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{e(office.name)} utility bill {e(c.number)} {e(p.label)}</title>
<meta name="author" content="{e(office.name)}">
<style>{CSS}</style></head><body>
<h1>{e(office.name)}</h1>
<div class="sub">Utility Billing &middot; {e(office.city)}, {e(office.state)} {e(office.zip)}</div>
<div class="grid">
<div><b>{e(c.full_name)}</b><br>{e(c.mailing_address)}</div>
<div><table>
<tr><th>Customer Number</th><td>{e(c.number)}</td></tr>
<tr><th>Service Address</th><td>{e(c.service_address)}</td></tr>
<tr><th>Billing Period</th><td>{e(p.label)} ({p.start.isoformat()} to {p.end.isoformat()})</td></tr>
<tr><th>Bill Date</th><td>{p.bill_date.isoformat()}</td></tr>
<tr><th>Due Date</th><td>{p.due_date.isoformat()}</td></tr>
</table></div></div>
<table>
<tr><th>Service</th><th>Meter</th><th class="n">Previous &rarr; Current Read</th><th class="n">Usage/Qty</th><th class="n">Amount</th></tr>
{''.join(rows)}
</table>
<div class="box"><table>
<tr><td>Previous Balance</td><td class="n">{money.fmt(bill.previous_balance)}</td></tr>
<tr><td>Payments</td><td class="n">{money.fmt(bill.payments)}</td></tr>
<tr><td>Adjustments</td><td class="n">{money.fmt(bill.adjustments)}</td></tr>
<tr><td>Current Charges</td><td class="n">{money.fmt(bill.current_charges)}</td></tr>
<tr><td>Penalties</td><td class="n">{money.fmt(bill.penalties)}</td></tr>
<tr class="total"><td>Total Due by {p.due_date.isoformat()}</td><td class="n">{money.fmt(bill.total_due)}</td></tr>
</table></div>
<p>Usage is in thousands of gallons. Amounts marked "include in balance due" (penalties, NSF and
reconnect fees) are part of your balance due.</p>
</body></html>"""


def cached(cache_dir: Path, bill_id: str) -> bytes | None:
    try:
        return (cache_dir / f"{bill_id}.pdf").read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None


def bill_pdf(cache_dir: Path, office: Office, led: Ledger, bill: Bill) -> bytes:
    hit = cached(cache_dir, bill.bill_id)
    if hit is not None:
        return hit
    path = cache_dir / f"{bill.bill_id}.pdf"
    document = render_html(office, led, bill)
    weasyprint = _weasyprint()
    with _render_lock:
        data = weasyprint.HTML(string=document).write_pdf()
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f".{bill.bill_id}.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: a concurrent reader sees the old absence or the whole file
    return data
