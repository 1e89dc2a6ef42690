"""The office API's account, bill, period and landlord operations of the simulated COWS."""

from __future__ import annotations

from . import ledger, pdf, store, timeutil
from .answers import _force, _parse_date, _periods_json, summary_json
from .app import ApiError, App, OfficeContext, Request, Response, json_response

MAX_BATCH = 200


def h_health(app: App, req: Request, p: dict[str, str]) -> Response:
    return json_response(200, {"status": "ok", "offices": store.list_offices(app.data_dir)})


def h_status(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    periods = ctx.periods
    open_p = next((x for x in periods if x.state == "open"), None)
    closed = [x for x in periods if x.state == "closed"]
    count = ctx.conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    return json_response(200, {
        "office": ctx.office.slug, "name": ctx.office.name, "time_zone": ctx.office.time_zone,
        "open_period": open_p.to_json() if open_p else None,
        "last_closed_period": closed[-1].to_json() if closed else None,
        "customer_count": count, "as_of": timeutil.iso(ctx.now()),
    })


def h_account(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    cust = ctx.customer(p["cn"])
    return json_response(200, summary_json(ctx, cust, ctx.ledger(cust)))


def h_account_batch(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    numbers = req.json().get("customer_numbers")
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        raise ApiError(422, "invalid_field", "customer_numbers must be a list of strings")
    if len(numbers) > MAX_BATCH:
        raise ApiError(422, "batch_too_large", f"at most {MAX_BATCH} customer numbers per request")
    accounts, missing, seen = [], [], set()
    for n in numbers:
        cust = store.find_customer(ctx.conn, n)
        if cust is None:
            missing.append(n)
        elif cust.id not in seen:
            seen.add(cust.id)
            accounts.append(summary_json(ctx, cust, ctx.ledger(cust)))
    return json_response(200, {"accounts": accounts, "missing": missing})


def h_bills(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    cust = ctx.customer(p["cn"])
    led = ctx.ledger(cust)
    missing = store.missing_pdf_ids(ctx.conn)
    return json_response(200, {"customer_number": cust.number,
                               "bills": [b.to_json(b.bill_id not in missing) for b in reversed(led.bills)]})


def h_transactions(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    cust = ctx.customer(p["cn"])
    since = _parse_date(req.query["since"], "since") if req.query.get("since") else None
    led = ctx.ledger(cust)
    return json_response(200, {"customer_number": cust.number,
                               "transactions": [line.to_json() for line in led.transactions(since)]})


def h_bill_pdf(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    cust = ctx.customer(p["cn"])
    parsed = ledger.parse_bill_id(p["bill_id"])
    if parsed is None or parsed[0] != cust.id:
        raise ApiError(404, "bill_not_found", "no such bill on this account")
    if p["bill_id"] in store.missing_pdf_ids(ctx.conn):
        raise ApiError(404, "pdf_not_available", "no bill PDF is attached to this account for that period")
    cached = pdf.cached(ctx.pdf_dir, p["bill_id"])  # only closed bills were ever rendered
    if cached is not None:
        return Response(200, cached, "application/pdf")
    led = ctx.ledger(cust)
    bill = next((b for b in led.bills if b.bill_id == p["bill_id"]), None)
    if bill is None:
        raise ApiError(404, "bill_not_found", "no such bill, or its period is not closed")
    data = pdf.bill_pdf(ctx.pdf_dir, ctx.office, led, bill)
    return Response(200, data, "application/pdf")


def h_usage(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    cust = ctx.customer(p["cn"])
    usage = ctx.ledger(cust).usage()
    return json_response(200, {"customer_number": cust.number, "unit": "1000 gallons",
                               "services": {s: [r.to_json() for r in reads] for s, reads in usage.items()}})


def h_set_paperless(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    cust = ctx.customer(p["cn"])
    paperless = req.json().get("paperless")
    if not isinstance(paperless, bool):
        raise ApiError(422, "invalid_field", "paperless must be true or false")
    store.set_paperless(ctx.conn, cust.id, paperless)
    cust.send_paper = not paperless
    return json_response(200, summary_json(ctx, cust, ctx.ledger(cust)))


def h_periods(app: App, req: Request, p: dict[str, str]) -> Response:
    return json_response(200, _periods_json(app.office(req, p["office"])))



def _close(ctx: OfficeContext, req: Request) -> Response:
    closed, opened = store.close_period(ctx.conn, ctx.office, force=_force(req))
    return json_response(200, {"closed": closed.to_json(), "open": opened.to_json()})


def h_close_period(app: App, req: Request, p: dict[str, str]) -> Response:
    return _close(app.office(req, p["office"]), req)


def h_landlords(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    return json_response(200, {"landlords": store.search_landlords(ctx.conn, req.query.get("q", ""))})


def h_landlord(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    found = store.landlord_json(ctx.conn, int(p["id"])) if p["id"].isdigit() else None
    if found is None:
        raise ApiError(404, "landlord_not_found", f"no landlord or cosigner {p['id']!r}")
    return json_response(200, found)

