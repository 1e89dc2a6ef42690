"""The HTTP API of the simulated COWS: routing, auth, faults and the operations.

Transport-free: ``App.dispatch`` takes a ``Request`` and returns a ``Response`` (or ``DROP``,
meaning "close the socket without answering"), so server.py only moves bytes.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
import sys
import threading
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import Message
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from . import ledger, money, pdf, store, timeutil
from .faults import FaultError, FaultRegistry, malform
from .generate import UTILITY_CATEGORY
from .store import Customer, Office, Period, StoreError

MAX_BATCH = 200
MAX_BODY = 1_000_000


# --------------------------------------------------------------------------- plumbing


@dataclass
class Request:
    method: str
    target: str
    headers: Message | dict[str, str]
    body: bytes = b""
    path: str = ""
    segments: list[str] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parts = urlsplit(self.target)
        self.path = parts.path
        self.segments = [unquote(s) for s in parts.path.split("/") if s]
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}

    def header(self, name: str) -> str:
        value = self.headers.get(name)
        return str(value) if value is not None else ""

    def json(self) -> dict[str, object]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "bad_request", "the body is not valid JSON") from None
        if not isinstance(data, dict):
            raise ApiError(400, "bad_request", "the body must be a JSON object")
        return data


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json"


DROP = Response(0, b"", "")  # sentinel: close the connection without a response


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_response(status: int, obj: object) -> Response:
    return Response(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"),
                    "application/json; charset=utf-8")


def error_response(status: int, code: str, message: str) -> Response:
    return json_response(status, {"error": code, "message": message})


Handler = Callable[["App", Request, dict[str, str]], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]
    operation: str | None  # fault-injection name; None for the control API
    handler: Handler

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for pat, seg in zip(self.pattern, segments):
            if pat.startswith("{"):
                params[pat[1:-1]] = seg
            elif pat != seg:
                return None
        return params


class OfficeContext:
    """One request's view of one office: its connection, settings and periods."""

    def __init__(self, app: "App", slug: str, conn: sqlite3.Connection) -> None:
        self.app = app
        self.slug = slug
        self.conn = conn
        self.office: Office = store.load_office(conn)
        self._periods: list[Period] | None = None

    @property
    def periods(self) -> list[Period]:
        if self._periods is None:
            self._periods = store.load_periods(self.conn)
        return self._periods

    def customer(self, customer_number: str) -> Customer:
        cust = store.find_customer(self.conn, customer_number)
        if cust is None:
            raise ApiError(404, "account_not_found", f"no customer number {customer_number!r}")
        return cust

    def ledger(self, cust: Customer) -> ledger.Ledger:
        receipts = store.utility_receipts(self.conn, cust.id, self.office.zone)
        return ledger.derive(self.office, self.periods, cust, receipts)

    def now(self) -> datetime:
        return timeutil.now(self.office.zone)

    @property
    def pdf_dir(self) -> Path:
        return store.office_dir(self.app.data_dir, self.slug) / "pdfs"


# --------------------------------------------------------------------------- the app


class App:
    def __init__(self, data_dir: Path, control_key: str | None = None, log_errors: bool = True) -> None:
        self.data_dir = Path(data_dir)
        self.control_key = control_key or None
        self.conns = store.ConnectionCache(self.data_dir)
        self.faults = FaultRegistry()
        self.shutting_down = threading.Event()
        self.log_errors = log_errors
        self._active = 0
        self._active_lock = threading.Lock()
        self.routes = _routes()

    @property
    def active_requests(self) -> int:
        return self._active

    def dispatch(self, req: Request) -> Response:
        with self._active_lock:
            self._active += 1
        try:
            return self._dispatch(req)
        finally:
            with self._active_lock:
                self._active -= 1

    def _dispatch(self, req: Request) -> Response:
        try:
            route, params = self._match(req)
        except ApiError as e:
            return error_response(e.status, e.code, e.message)
        if route.operation is None:
            return self._run(route, req, params)
        rule = self.faults.take(route.operation, params.get("office"))
        if rule is not None:
            if rule.mode == "error":
                return error_response(rule.status, _status_code_name(rule.status),
                                      f"injected fault: {route.operation} is failing")
            if rule.mode in ("hang", "slow") and self.shutting_down.wait(rule.delay):
                return DROP  # the server is stopping: the client never gets an answer
        resp = self._run(route, req, params)
        if rule is not None and rule.mode == "drop_after_commit":
            return DROP
        if rule is not None and rule.mode == "malformed" and 200 <= resp.status < 300:
            body, content_type = malform(resp.body, resp.content_type, rule.variant or "not_json", rule.field)
            return Response(200, body, content_type)
        return resp

    def _run(self, route: Route, req: Request, params: dict[str, str]) -> Response:
        try:
            if route.operation is None:
                self._check_control(req)
            return route.handler(self, req, params)
        except ApiError as e:
            return error_response(e.status, e.code, e.message)
        except StoreError as e:
            return error_response(e.status, e.code, e.message)
        except Exception as e:  # noqa: BLE001 - answer JSON, log the traceback
            if self.log_errors:
                traceback.print_exc(file=sys.stderr)
            return error_response(500, "internal_error", f"{type(e).__name__}: {e}")

    def _match(self, req: Request) -> tuple[Route, dict[str, str]]:
        allowed = False
        if req.segments[:1] == ["_control"] and self.control_key is None:
            raise ApiError(404, "not_found", "the control API is disabled (serve has no --control-key)")
        for route in self.routes:
            params = route.match(req.segments)
            if params is None:
                continue
            if route.method == req.method:
                return route, params
            allowed = True
        if allowed:
            raise ApiError(405, "method_not_allowed", f"{req.method} is not allowed on {req.path}")
        raise ApiError(404, "not_found", f"no such resource: {req.path}")

    def _check_control(self, req: Request) -> None:
        assert self.control_key is not None
        given = req.header("X-Control-Key")
        if not hmac.compare_digest(given.encode(), self.control_key.encode()):
            raise ApiError(401, "unauthorized", "a valid X-Control-Key header is required")

    def office(self, req: Request, slug: str, auth: bool = True) -> OfficeContext:
        conn = self.conns.get(slug)
        if conn is None:
            raise ApiError(404, "office_not_found", f"no office {slug!r}")
        ctx = OfficeContext(self, slug, conn)
        if auth:
            header = req.header("Authorization")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode(), ctx.office.api_key.encode()
            ):
                raise ApiError(401, "unauthorized", "a valid Bearer API key for this office is required")
        return ctx


def _status_code_name(status: int) -> str:
    return {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable",
            504: "gateway_timeout", 429: "too_many_requests"}.get(status, "fault")


# --------------------------------------------------------------------------- JSON shapes


def summary_json(ctx: OfficeContext, cust: Customer, led: ledger.Ledger) -> dict[str, object]:
    last = led.last_bill
    metered = [s for s in ledger.METERED if cust.services & ledger.SERVICE_BIT[s]]
    return {
        "customer_number": cust.number,
        "first_name": cust.first_name,
        "last_name": cust.last_name,
        "service_address": cust.service_address,
        "mailing_address": cust.mailing_address,
        "email": cust.email,
        "customer_class": "commercial" if cust.klass == "COM" else "residential",
        "balance_due": money.fmt(led.balance),
        "due_date": last.period.due_date.isoformat() if last else None,
        "last_billed_amount": money.fmt(last.current_charges) if last else "0.00",
        "last_bill_date": last.period.bill_date.isoformat() if last else None,
        "equal_pay_amount": money.fmt(cust.equal_pay_cents) if cust.equal_pay_cents is not None else None,
        "send_paper_statement": cust.send_paper,
        "direct_pay": cust.direct_pay,
        "udf": {"BLOCK CC": cust.block_cc, "BLOCK ACH": cust.block_ach},
        "services": led.services(),
        "metered_services": metered,
        "meters": [{"service": s, "meter_number": cust.meter_number} for s in metered],
        "landlord_ids": store.landlord_ids_for(ctx.conn, cust.id),
        "active": cust.active,
        "as_of": timeutil.iso(ctx.now()),
    }


RECEIPT_SELECT = (
    "SELECT r.reference, r.confirmation_number, r.kind, c.number, r.category_code, "
    "r.distribution_code, r.category_reference, r.payor, r.comment, r.amount_cents, r.method, "
    "r.paid_at, r.posted_at, r.customer_id FROM receipts r LEFT JOIN customers c ON c.id = r.customer_id "
)


def receipt_json(row: tuple) -> dict[str, object]:
    return {
        "reference": row[0], "confirmation_number": row[1], "kind": row[2],
        "customer_number": row[3], "category": row[4], "distribution": row[5],
        "category_reference": row[6], "payor": row[7], "comment": row[8],
        "amount": money.fmt(row[9]), "method": row[10], "paid_at": row[11], "posted_at": row[12],
    }


def _str(body: dict[str, object], key: str, required: bool = True, max_len: int = 200) -> str:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ApiError(422, "invalid_field", f"{key} is required")
        return ""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ApiError(422, "invalid_field", f"{key} must be a string")
    text = str(value).strip()
    if required and not text:
        raise ApiError(422, "invalid_field", f"{key} is required")
    if len(text) > max_len:
        raise ApiError(422, "invalid_field", f"{key} is longer than {max_len} characters")
    return text


def _parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(422, "invalid_parameter", f"{name} must be a date YYYY-MM-DD") from None


# --------------------------------------------------------------------------- operations


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


def _periods_json(ctx: OfficeContext) -> dict[str, object]:
    periods = ctx.periods
    open_p = next((x for x in periods if x.state == "open"), None)
    closed = [x.to_json() for x in reversed(periods) if x.state == "closed"][:60]
    return {"open": open_p.to_json() if open_p else None, "closed": closed}


def h_periods(app: App, req: Request, p: dict[str, str]) -> Response:
    return json_response(200, _periods_json(app.office(req, p["office"])))


_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def _force(req: Request) -> bool:
    """``force`` from the JSON body (true/false) or the query string (true/1/yes, false/0/no)."""
    body = req.json()
    if "force" in body:
        if not isinstance(body["force"], bool):
            raise ApiError(422, "invalid_field", "force must be true or false")
        return body["force"]
    text = req.query.get("force")
    if text is None:
        return False
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise ApiError(422, "invalid_field", "force must be true or false")


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


def h_categories(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    cats = []
    for code, name, interfaced, label in ctx.conn.execute(
        "SELECT code, name, interfaced, reference_label FROM categories ORDER BY sort"
    ).fetchall():
        dists = [
            {"code": d[0], "name": d[1], "allow_online_payments": bool(d[2]), "allow_portal_payments": bool(d[3])}
            for d in ctx.conn.execute(
                "SELECT code, name, allow_online, allow_portal FROM distributions WHERE category_code = ? ORDER BY sort",
                (code,),
            )
        ]
        cats.append({"code": code, "name": name, "interfaced": bool(interfaced),
                     "reference_label": label, "distributions": dists})
    return json_response(200, {"categories": cats})


def _category(ctx: OfficeContext, category: str, distribution: str) -> tuple[tuple, tuple]:
    cat = ctx.conn.execute(
        "SELECT code, name, interfaced, reference_label FROM categories WHERE code = ?", (category,)
    ).fetchone()
    if cat is None:
        raise ApiError(422, "unknown_category", f"no Cash Receipting category {category!r}")
    dist = ctx.conn.execute(
        "SELECT code, name, allow_online, allow_portal FROM distributions WHERE category_code = ? AND code = ?",
        (category, distribution),
    ).fetchone()
    if dist is None:
        raise ApiError(422, "unknown_distribution", f"no distribution {distribution!r} in category {category!r}")
    if not dist[3]:
        raise ApiError(422, "distribution_not_allowed",
                       f"distribution {dist[1]!r} does not allow portal payments")
    return cat, dist


def _lookup_reference(ctx: OfficeContext, cat: tuple, reference: str) -> tuple[bool, str | None]:
    """(valid, payor name) of a reference in an interfaced category; non-interfaced: the payor."""
    if not cat[2]:
        name = reference.strip()
        return bool(name), name or None
    if cat[0] == UTILITY_CATEGORY:
        cust = store.find_customer(ctx.conn, reference)
        return (True, cust.full_name) if cust else (False, None)
    row = ctx.conn.execute(
        "SELECT payor_name FROM permits WHERE category_code = ? AND upper(number) = upper(?)",
        (cat[0], reference.strip()),
    ).fetchone()
    return (True, row[0]) if row else (False, None)


def h_validate(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    body = req.json()
    cat, _dist = _category(ctx, _str(body, "category"), _str(body, "distribution"))
    valid, payor = _lookup_reference(ctx, cat, _str(body, "reference", required=False))
    return json_response(200, {"valid": valid, "payor_name": payor})


def h_post_receipt(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    body = req.json()
    reference = _str(body, "reference", max_len=120)
    kind = _str(body, "kind")
    if kind not in ("utility", "misc"):
        raise ApiError(422, "invalid_field", "kind must be 'utility' or 'misc'")
    try:
        amount = money.parse(body.get("amount"))
    except ValueError as e:
        raise ApiError(422, "invalid_amount", str(e)) from None
    if amount <= 0:
        raise ApiError(422, "invalid_amount", "amount must be positive")
    if amount > 100_000_000:
        raise ApiError(422, "invalid_amount", "amount is larger than a receipt may be")
    method = _str(body, "method")
    if method not in ("card", "ach"):
        raise ApiError(422, "invalid_field", "method must be 'card' or 'ach'")
    zone = ctx.office.zone
    paid_text = _str(body, "paid_at", required=False)
    try:
        paid_at = timeutil.parse_datetime(paid_text, zone) if paid_text else ctx.now()
    except ValueError:
        raise ApiError(422, "invalid_field", "paid_at must be an ISO datetime") from None
    customer_number = _str(body, "customer_number", required=False)

    conn = ctx.conn
    # One write transaction: of two concurrent posts of one reference, the second waits for
    # the first to commit and then finds it, so exactly one receipt exists.
    conn.execute("BEGIN IMMEDIATE")
    try:
        existing = conn.execute(RECEIPT_SELECT + "WHERE r.reference = ?", (reference,)).fetchone()
        if existing is not None:
            conn.execute("ROLLBACK")
            same_customer = (kind != "utility" or
                             store.normalize_customer_number(customer_number) ==
                             store.normalize_customer_number(existing[3] or ""))
            if existing[9] != amount or existing[2] != kind or not same_customer:
                raise ApiError(409, "reference_conflict",
                               f"reference {reference!r} was already posted with different details "
                               f"(amount {money.fmt(existing[9])})")
            return json_response(200, {**receipt_json(existing), "created": False})
        customer_id: int | None = None
        category = distribution = category_reference = payor = comment = None
        if kind == "utility":
            if not customer_number:
                raise ApiError(422, "invalid_field", "customer_number is required for a utility payment")
            cust = store.find_customer(conn, customer_number)
            if cust is None:
                raise ApiError(422, "unknown_account", f"no customer number {customer_number!r}")
            customer_id, category, payor = cust.id, UTILITY_CATEGORY, cust.full_name
        else:
            cat, dist = _category(ctx, _str(body, "category"), _str(body, "distribution"))
            category, distribution = cat[0], dist[0]
            comment = _str(body, "comment", required=False, max_len=500) or None
            if cat[2]:
                category_reference = _str(body, "category_reference", required=False) or customer_number
                if not category_reference:
                    raise ApiError(422, "invalid_reference", f"{cat[3] or 'reference'} is required")
                valid, looked_up = _lookup_reference(ctx, cat, category_reference)
                if not valid:
                    raise ApiError(422, "invalid_reference", f"{cat[3] or 'reference'} {category_reference!r} not found")
                payor = _str(body, "payor", required=False) or looked_up
            else:
                payor = _str(body, "payor", required=False)
                if not payor:
                    raise ApiError(422, "invalid_field", "payor is required for a non-interfaced category")
        number = conn.execute("SELECT next_confirmation FROM office").fetchone()[0]
        conn.execute("UPDATE office SET next_confirmation = next_confirmation + 1")
        posted = ctx.now()
        conn.execute(
            "INSERT INTO receipts (reference, confirmation_number, kind, customer_id, category_code, "
            "distribution_code, category_reference, payor, comment, amount_cents, method, paid_at, "
            "posted_at, posted_date, posted_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (reference, f"CR-{number:07d}", kind, customer_id, category, distribution, category_reference,
             payor, comment, amount, method, timeutil.iso(paid_at.astimezone(zone)), timeutil.iso(posted),
             posted.date().isoformat(), timeutil.local_key(posted, zone)),
        )
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    row = conn.execute(RECEIPT_SELECT + "WHERE r.reference = ?", (reference,)).fetchone()
    return json_response(201, {**receipt_json(row), "created": True})


def h_get_receipt(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    row = ctx.conn.execute(RECEIPT_SELECT + "WHERE r.reference = ?", (p["reference"],)).fetchone()
    if row is None:
        raise ApiError(404, "receipt_not_found", f"no receipt with reference {p['reference']!r}")
    return json_response(200, receipt_json(row))


def h_list_receipts(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"])
    day = _parse_date(req.query["date"], "date") if req.query.get("date") else ctx.now().date()
    rows = ctx.conn.execute(RECEIPT_SELECT + "WHERE r.posted_date = ? ORDER BY r.posted_key, r.id",
                            (day.isoformat(),)).fetchall()
    return json_response(200, {"date": day.isoformat(), "receipts": [receipt_json(r) for r in rows]})


# --------------------------------------------------------------------------- control API


def c_faults_add(app: App, req: Request, p: dict[str, str]) -> Response:
    try:
        rule = app.faults.add(req.json())
    except FaultError as e:
        raise ApiError(422, "invalid_fault", str(e)) from None
    return json_response(201, rule.to_json())


def c_faults_list(app: App, req: Request, p: dict[str, str]) -> Response:
    return json_response(200, {"faults": app.faults.list()})


def c_faults_clear(app: App, req: Request, p: dict[str, str]) -> Response:
    return json_response(200, {"cleared": app.faults.clear()})


def c_close_period(app: App, req: Request, p: dict[str, str]) -> Response:
    return _close(app.office(req, p["office"], auth=False), req)


def _landlord_id(text: str) -> int:
    if not text.isdigit():
        raise ApiError(404, "landlord_not_found", f"no landlord or cosigner {text!r}")
    return int(text)


def c_attach(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"], auth=False)
    return json_response(200, store.attach_landlord(ctx.conn, _landlord_id(p["id"]), p["cn"]))


def c_detach(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"], auth=False)
    return json_response(200, store.detach_landlord(ctx.conn, _landlord_id(p["id"]), p["cn"]))


def c_customer_flags(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"], auth=False)
    body = req.json()
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_field", "send an object of flags")
    try:
        store.set_customer_flags(ctx.conn, p["cn"], body)
    except store.StoreError as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from None
    return json_response(200, {"customer_number": p["cn"], "flags": body})


def c_missing_pdfs_set(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"], auth=False)
    ids = req.json().get("bill_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ApiError(422, "invalid_field", "bill_ids must be a list of strings")
    store.set_missing_pdfs(ctx.conn, ids)
    return json_response(200, {"bill_ids": sorted(store.missing_pdf_ids(ctx.conn))})


def c_missing_pdfs_get(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"], auth=False)
    return json_response(200, {"bill_ids": sorted(store.missing_pdf_ids(ctx.conn))})


def c_missing_pdfs_clear(app: App, req: Request, p: dict[str, str]) -> Response:
    ctx = app.office(req, p["office"], auth=False)
    store.set_missing_pdfs(ctx.conn, [])
    return json_response(200, {"bill_ids": []})


def _routes() -> list[Route]:
    o = ("api", "v1", "offices", "{office}")
    acct = o + ("accounts", "{cn}")
    ctl = ("_control", "offices", "{office}")
    return [
        Route("GET", ("api", "v1", "health"), "health", h_health),
        Route("GET", o + ("status",), "status", h_status),
        Route("POST", o + ("accounts", "batch"), "account_batch", h_account_batch),
        Route("GET", acct, "account_summary", h_account),
        Route("GET", acct + ("bills",), "bills", h_bills),
        Route("GET", acct + ("bills", "{bill_id}", "pdf"), "bill_pdf", h_bill_pdf),
        Route("GET", acct + ("transactions",), "transactions", h_transactions),
        Route("GET", acct + ("usage",), "usage", h_usage),
        Route("PUT", acct + ("paperless",), "set_paperless", h_set_paperless),
        Route("GET", o + ("periods",), "periods", h_periods),
        Route("POST", o + ("periods", "close"), "close_period", h_close_period),
        Route("GET", o + ("landlords",), "landlords", h_landlords),
        Route("GET", o + ("landlords", "{id}"), "landlord", h_landlord),
        Route("GET", o + ("cash-receipting", "categories"), "categories", h_categories),
        Route("POST", o + ("cash-receipting", "validate"), "validate_reference", h_validate),
        Route("POST", o + ("receipts",), "post_receipt", h_post_receipt),
        Route("GET", o + ("receipts",), "list_receipts", h_list_receipts),
        Route("GET", o + ("receipts", "{reference}"), "get_receipt", h_get_receipt),
        Route("POST", ("_control", "faults"), None, c_faults_add),
        Route("GET", ("_control", "faults"), None, c_faults_list),
        Route("DELETE", ("_control", "faults"), None, c_faults_clear),
        Route("POST", ctl + ("close-period",), None, c_close_period),
        Route("POST", ctl + ("landlords", "{id}", "accounts", "{cn}"), None, c_attach),
        Route("DELETE", ctl + ("landlords", "{id}", "accounts", "{cn}"), None, c_detach),
        Route("POST", ctl + ("missing-pdfs",), None, c_missing_pdfs_set),
        Route("POST", ctl + ("customers", "{cn}", "flags"), None, c_customer_flags),
        Route("GET", ctl + ("missing-pdfs",), None, c_missing_pdfs_get),
        Route("DELETE", ctl + ("missing-pdfs",), None, c_missing_pdfs_clear),
    ]
