"""The JSON shapes the simulated COWS answers with, and the parsing of what it is sent."""

from __future__ import annotations

from datetime import date

from . import ledger, money, store, timeutil
from .app import ApiError, OfficeContext, Request
from .store import Customer


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



def _periods_json(ctx: OfficeContext) -> dict[str, object]:
    periods = ctx.periods
    open_p = next((x for x in periods if x.state == "open"), None)
    closed = [x.to_json() for x in reversed(periods) if x.state == "closed"][:60]
    return {"open": open_p.to_json() if open_p else None, "closed": closed}



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

