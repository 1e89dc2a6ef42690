"""Cash Receipting: posting portal payments, idempotency by reference, validation."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import datetime
from typing import Any

import pytest
import requests

from tests.sim_fixtures import CaselleSim

from ._support import cents

SLUG = "rcpt-test"


@pytest.fixture(scope="module")
def office(caselle_sim: CaselleSim) -> dict[str, Any]:
    return caselle_sim.own_office(SLUG, customers=40, seed=31)


def _ref() -> str:
    return f"pay-{uuid.uuid4().hex[:12]}"


def _utility(number: str, amount: str, reference: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"reference": reference or _ref(), "kind": "utility", "customer_number": number,
            "amount": amount, "method": "card", "paid_at": datetime.now().astimezone().isoformat(), **extra}


def test_utility_receipt_lowers_balance_and_splits_by_service(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    before = sim.get(f"/accounts/{number}", office=SLUG).json()
    body = _utility(number.replace("-", "."), "37.45")
    r = sim.post("/receipts", office=SLUG, json=body)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert re.fullmatch(r"CR-\d{7}", receipt["confirmation_number"])
    assert receipt["created"] is True and receipt["reference"] == body["reference"]
    assert receipt["customer_number"] == number and receipt["amount"] == "37.45"
    assert "T" in receipt["posted_at"]

    after = sim.get(f"/accounts/{number}", office=SLUG).json()
    assert cents(after["balance_due"]) == cents(before["balance_due"]) - 3745
    assert after["last_billed_amount"] == before["last_billed_amount"]  # payments do not rebill
    txns = sim.get(f"/accounts/{number}/transactions", office=SLUG).json()["transactions"]
    newest = [t for t in txns if t["group_id"] == txns[0]["group_id"]]
    assert all(t["type"] == "Payment" and t["description"] == "UTILITY PAYMENTS" for t in newest)
    assert all(cents(t["amount"]) < 0 for t in newest)
    assert sum(cents(t["amount"]) for t in newest) == -3745
    assert sum(cents(t["amount"]) for t in txns) == cents(after["balance_due"])

    got = sim.get(f"/receipts/{body['reference']}", office=SLUG)
    assert got.status_code == 200 and got.json()["confirmation_number"] == receipt["confirmation_number"]
    day = receipt["posted_at"][:10]
    listed = sim.get("/receipts", office=SLUG, params={"date": day}).json()["receipts"]
    assert body["reference"] in [x["reference"] for x in listed]


def test_same_reference_is_idempotent(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][1]["customer_number"]
    body = _utility(number, "10.00")
    first = sim.post("/receipts", office=SLUG, json=body)
    balance = sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"]
    again = sim.post("/receipts", office=SLUG, json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["confirmation_number"] == first.json()["confirmation_number"]
    assert sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"] == balance

    conflict = sim.post("/receipts", office=SLUG, json={**body, "amount": "10.01"})
    assert conflict.status_code == 409 and conflict.json()["error"] == "reference_conflict"


def test_concurrent_posts_of_one_reference_make_one_receipt(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    before = cents(sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"])
    body = _utility(number, "5.55")
    results: list[requests.Response] = []
    lock = threading.Lock()
    barrier = threading.Barrier(10)

    def post() -> None:
        barrier.wait()
        r = sim.post("/receipts", office=SLUG, json=body)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=post) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r.status_code for r in results) == [200] * 9 + [201]
    assert len({r.json()["confirmation_number"] for r in results}) == 1
    assert [r.json()["created"] for r in results].count(True) == 1
    after = cents(sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"])
    assert after == before - 555
    day = results[0].json()["posted_at"][:10]
    listed = sim.get("/receipts", office=SLUG, params={"date": day}).json()["receipts"]
    assert [x["reference"] for x in listed].count(body["reference"]) == 1


@pytest.mark.parametrize("change, error", [
    ({"amount": "0"}, "invalid_amount"),
    ({"amount": "-5.00"}, "invalid_amount"),
    ({"amount": "1.234"}, "invalid_amount"),
    ({"amount": "abc"}, "invalid_amount"),
    ({"customer_number": "999-9999-99"}, "unknown_account"),
    ({"method": "cash"}, "invalid_field"),
    ({"kind": "refund"}, "invalid_field"),
    ({"reference": ""}, "invalid_field"),
    ({"paid_at": "not a date"}, "invalid_field"),
])
def test_receipt_validation(sim: CaselleSim, office: dict[str, Any], change: dict[str, str], error: str) -> None:
    body = {**_utility(office["samples"][0]["customer_number"], "12.00"), **change}
    r = sim.post("/receipts", office=SLUG, json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == error and r.json()["message"]


def _misc(**fields: str) -> dict[str, Any]:
    return {"reference": _ref(), "kind": "misc", "amount": "75.00", "method": "ach", **fields}


def test_misc_receipts(sim: CaselleSim, office: dict[str, Any]) -> None:
    year = sim.get("/status", office=SLUG).json()["open_period"]["label"][:4]
    permit = f"BP-{year}-0002"
    r = sim.post("/receipts", office=SLUG, json=_misc(category="BP", distribution="PERMIT",
                                                      category_reference=permit, comment="deck"))
    assert r.status_code == 201, r.text
    assert r.json()["category_reference"] == permit and r.json()["payor"]
    assert r.json()["customer_number"] is None

    r = sim.post("/receipts", office=SLUG, json=_misc(category="PR", distribution="PAVILION", payor="Ana Núñez"))
    assert r.status_code == 201 and r.json()["payor"] == "Ana Núñez"

    number = office["samples"][0]["customer_number"]
    balance = sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"]
    r = sim.post("/receipts", office=SLUG, json=_misc(category="UB", distribution="DEPOSIT",
                                                      category_reference=number))
    assert r.status_code == 201
    # A deposit is held, not applied to the bill.
    assert sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"] == balance

    for body, error in [
        (_misc(category="PR", distribution="PAVILION"), "invalid_field"),  # no payor
        (_misc(category="PR", distribution="PROGRAM", payor="X"), "distribution_not_allowed"),
        (_misc(category="AL", distribution="DOG", payor="X"), "distribution_not_allowed"),
        (_misc(category="PR", distribution="NOPE", payor="X"), "unknown_distribution"),
        (_misc(category="ZZ", distribution="PAVILION", payor="X"), "unknown_category"),
        (_misc(category="BP", distribution="PERMIT", category_reference="BP-1900-0001"), "invalid_reference"),
        (_misc(category="BP", distribution="PERMIT"), "invalid_reference"),
    ]:
        r = sim.post("/receipts", office=SLUG, json=body)
        assert r.status_code == 422 and r.json()["error"] == error, (body, r.text)


def test_unknown_receipt_is_404(sim: CaselleSim, office: dict[str, Any]) -> None:
    r = sim.get("/receipts/never-posted", office=SLUG)
    assert r.status_code == 404 and r.json()["error"] == "receipt_not_found"


def test_receipts_are_per_office(sim: CaselleSim, office: dict[str, Any]) -> None:
    body = _utility(office["samples"][0]["customer_number"], "1.00")
    assert sim.post("/receipts", office=SLUG, json=body).status_code == 201
    assert sim.get(f"/receipts/{body['reference']}", office="lakeside").status_code == 404
