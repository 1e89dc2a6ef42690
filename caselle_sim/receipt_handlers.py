"""The office API's cash-receipting operations of the simulated COWS: categories, validation and receipts."""

from __future__ import annotations

from . import money, store, timeutil
from .answers import RECEIPT_SELECT, _parse_date, _str, receipt_json
from .app import ApiError, App, OfficeContext, Request, Response, json_response
from .generate import UTILITY_CATEGORY


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

