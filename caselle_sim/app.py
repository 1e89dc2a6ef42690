"""The transport-free app of the simulated COWS: requests, responses, routing, auth and faults."""

from __future__ import annotations

import hmac
import json
import sqlite3
import sys
import threading
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from . import ledger, store, timeutil
from .faults import FaultRegistry, malform
from .store import Customer, Office, Period, StoreError

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
        from .api import _routes  # here, not at the top: api.py imports the handlers, which import this

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

