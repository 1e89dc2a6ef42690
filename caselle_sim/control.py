"""The test-control API of the simulated COWS (``/_control/…``, behind ``--control-key``)."""

from __future__ import annotations

from . import store
from .app import ApiError, App, Request, Response, json_response
from .faults import FaultError
from .handlers import _close


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

