"""Accounts through the real HTTP API: auth, normalization, and a self-consistent ledger."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.sim_fixtures import CaselleSim

from ._support import AMOUNT_RE, CUSTOMER_NUMBER_RE, cents

SLUG = "acct-test"


@pytest.fixture(scope="module")
def office(caselle_sim: CaselleSim) -> dict[str, Any]:
    return caselle_sim.own_office(SLUG, customers=60, seed=21)


def _numbers(sim: CaselleSim, office: dict[str, Any]) -> list[str]:
    """Customer numbers of the office's landlords' accounts plus the samples: varied accounts."""
    numbers = [s["customer_number"] for s in office["samples"]]
    for ll in sim.get("/landlords", office=SLUG).json()["landlords"]:
        numbers.extend(ll["customer_numbers"])
    return list(dict.fromkeys(numbers))


# ------------------------------------------------------------------ auth and routing


def test_health_needs_no_key(sim: CaselleSim) -> None:
    r = sim.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert {"riverton", "lakeside"} <= set(r.json()["offices"])


@pytest.mark.parametrize("header", [None, "Bearer wrong-key", "Basic cml2ZXJ0b24ta2V5", "Bearer "])
def test_wrong_or_missing_key_is_401(sim: CaselleSim, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    r = sim.request("GET", "/api/v1/offices/riverton/status", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"] == "unauthorized" and r.json()["message"]


def test_other_offices_key_is_rejected(sim: CaselleSim) -> None:
    assert sim.get("/status", office="riverton", key="lakeside-key").status_code == 401
    assert sim.get("/status", office="lakeside", key="riverton-key").status_code == 401
    assert sim.get("/status", office="lakeside").status_code == 200


def test_unknown_office_and_route(sim: CaselleSim) -> None:
    r = sim.get("/status", office="atlantis", key="x")
    assert r.status_code == 404 and r.json()["error"] == "office_not_found"
    r = sim.get("/nothing-here", office="riverton")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = sim.request("DELETE", "/status", office="riverton")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"


def test_status(sim: CaselleSim) -> None:
    body = sim.get("/status", office="riverton").json()
    assert body["office"] == "riverton" and body["name"] == "City of Riverton"
    assert body["time_zone"] == "America/Denver"
    assert body["open_period"]["state"] == "open"
    assert body["last_closed_period"]["state"] == "closed"
    assert body["last_closed_period"]["id"] < body["open_period"]["id"]


# ------------------------------------------------------------------ summary


@pytest.mark.parametrize("form", ["dashes", "dots", "digits", "spaces"])
def test_customer_number_normalization(sim: CaselleSim, office: dict[str, Any], form: str) -> None:
    number = office["samples"][0]["customer_number"]
    typed = {"dashes": number, "dots": number.replace("-", "."), "digits": number.replace("-", ""),
             "spaces": " " + number.replace("-", " ") + " "}[form]
    r = sim.get(f"/accounts/{typed}", office=SLUG)
    assert r.status_code == 200, r.text
    assert r.json()["customer_number"] == number


def test_unknown_account_is_404(sim: CaselleSim, office: dict[str, Any]) -> None:
    r = sim.get("/accounts/999-9999-99", office=SLUG)
    assert r.status_code == 404 and r.json()["error"] == "account_not_found"


def test_summary_shape_and_samples(sim: CaselleSim, office: dict[str, Any]) -> None:
    for sample in office["samples"]:
        s = sim.get(f"/accounts/{sample['customer_number']}", office=SLUG).json()
        assert s["last_name"] == sample["last_name"]
        assert s["last_billed_amount"] == sample["last_billed_amount"]
        assert s["balance_due"] == sample["balance_due"]
        assert s["email"] and not s["direct_pay"]
        assert s["udf"] == {"BLOCK CC": False, "BLOCK ACH": False}
        assert {"WATER", "SEWER"} <= set(s["services"])
        assert s["metered_services"] == ["WATER", "SEWER"]
        assert s["equal_pay_amount"] is None and s["active"] is True
        assert CUSTOMER_NUMBER_RE.match(s["customer_number"])
        assert AMOUNT_RE.match(s["balance_due"]) and AMOUNT_RE.match(s["last_billed_amount"])
        assert isinstance(s["send_paper_statement"], bool)
        assert s["due_date"] > s["last_bill_date"]
        assert "T" in s["as_of"] and s["as_of"][-6] in "+-"
        for key in ("first_name", "service_address", "mailing_address", "landlord_ids"):
            assert key in s


def test_batch(sim: CaselleSim, office: dict[str, Any]) -> None:
    a, b = (s["customer_number"] for s in office["samples"])
    r = sim.post("/accounts/batch", office=SLUG,
                 json={"customer_numbers": [a, b.replace("-", ""), "000-0000-00"]})
    assert r.status_code == 200
    assert [x["customer_number"] for x in r.json()["accounts"]] == [a, b]
    assert r.json()["missing"] == ["000-0000-00"]
    r = sim.post("/accounts/batch", office=SLUG, json={"customer_numbers": [a] * 201})
    assert r.status_code == 422
    assert sim.post("/accounts/batch", office=SLUG, data=b"{not json").status_code == 400


# ------------------------------------------------------------------ the ledger agrees with itself


def test_transactions_are_the_guides_table(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    summary = sim.get(f"/accounts/{number}", office=SLUG).json()
    txns = sim.get(f"/accounts/{number}/transactions", office=SLUG).json()["transactions"]
    usage = sim.get(f"/accounts/{number}/usage", office=SLUG).json()["services"]
    water_usage = {r["period_id"]: r["usage"] for r in usage["WATER"]}

    assert len({t["id"] for t in txns}) == len(txns)
    assert [t["date"] for t in txns] == sorted((t["date"] for t in txns), reverse=True)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in txns:
        groups[t["group_id"]].append(t)
        assert t["type"] in ("Billing", "Payment", "Adjustment")
    bills = [g for g in groups.values() if g[0]["type"] == "Billing"]
    payments = [g for g in groups.values() if g[0]["type"] == "Payment"]
    assert len(bills) >= 30 and len(payments) >= 30
    for lines in bills:
        assert [t["service"] for t in lines] == summary["services"]
        assert len({(t["date"], t["period_id"]) for t in lines}) == 1
        by_service = {t["service"]: t for t in lines}
        assert by_service["WATER"]["description"] == "Import Readings"
        assert by_service["SEWER"]["description"] == "Automatic Billing"
        assert by_service["WATER"]["usage"] == str(water_usage[lines[0]["period_id"]])
        assert by_service["SEWER"]["usage"] == by_service["WATER"]["usage"]
        assert by_service["WATER EXCISE"]["usage"] == by_service["WATER"]["amount"]
        assert all(cents(t["amount"]) > 0 for t in lines)
    for lines in payments:
        assert all(t["description"] == "UTILITY PAYMENTS" for t in lines)
        assert all(cents(t["amount"]) < 0 for t in lines)
        assert len({t["service"] for t in lines}) == len(lines)  # one line per service
    assert sum(cents(t["amount"]) for t in txns) == cents(summary["balance_due"])

    since = txns[len(txns) // 2]["date"]
    recent = sim.get(f"/accounts/{number}/transactions", office=SLUG, params={"since": since}).json()
    assert recent["transactions"] and all(t["date"] >= since for t in recent["transactions"])
    bad = sim.get(f"/accounts/{number}/transactions", office=SLUG, params={"since": "yesterday"})
    assert bad.status_code == 422


def test_2025_bills_use_the_guides_rates(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    txns = sim.get(f"/accounts/{number}/transactions", office=SLUG).json()["transactions"]
    water_2025 = [t for t in txns if t["type"] == "Billing" and t["service"] == "WATER"
                  and t["date"].startswith("2025")]
    assert water_2025, "three years of history include 2025"
    for t in water_2025:
        assert cents(t["amount"]) == 1575 + 40 * int(t["usage"])


@pytest.mark.parametrize("which", ["samples", "landlord accounts"])
def test_bills_chain_and_balance(sim: CaselleSim, office: dict[str, Any], which: str) -> None:
    numbers = ([s["customer_number"] for s in office["samples"]] if which == "samples"
               else _numbers(sim, office)[2:])
    assert numbers
    for number in numbers:
        summary = sim.get(f"/accounts/{number}", office=SLUG).json()
        bills = sim.get(f"/accounts/{number}/bills", office=SLUG).json()["bills"]
        txns = sim.get(f"/accounts/{number}/transactions", office=SLUG).json()["transactions"]
        assert bills, number
        assert [b["period_id"] for b in bills] == sorted((b["period_id"] for b in bills), reverse=True)
        for newer, older in zip(bills, bills[1:]):
            assert newer["previous_balance"] == older["total_due"]
        for b in bills:
            total = sum(cents(b[k]) for k in ("previous_balance", "payments", "adjustments",
                                               "current_charges", "penalties"))
            assert total == cents(b["total_due"]), b
            assert cents(b["payments"]) <= 0
            lines = [t for t in txns if t["group_id"] == b["bill_id"]]
            assert sum(cents(t["amount"]) for t in lines) == cents(b["current_charges"])
            assert b["due_date"] > b["bill_date"] and b["period_label"] == b["bill_date"][:7]
        latest = bills[0]
        assert summary["last_billed_amount"] == latest["current_charges"]
        assert summary["last_bill_date"] == latest["bill_date"]
        assert summary["due_date"] == latest["due_date"]
        after = [t for t in txns if t["date"] > latest["bill_date"]]
        assert cents(latest["total_due"]) + sum(cents(t["amount"]) for t in after) == cents(summary["balance_due"])
        assert sum(cents(t["amount"]) for t in txns) == cents(summary["balance_due"])


def test_usage_is_reads_difference(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][1]["customer_number"]
    services = sim.get(f"/accounts/{number}/usage", office=SLUG).json()["services"]
    water, sewer = services["WATER"], services["SEWER"]
    assert len(water) >= 30
    assert [r["usage"] for r in water] == [r["usage"] for r in sewer]
    for prev, cur in zip(water, water[1:]):
        assert cur["previous_read"] == prev["current_read"]
        assert cur["period_id"] > prev["period_id"]
    for r in water:
        assert r["usage"] == r["current_read"] - r["previous_read"] >= 0
    summer = [r["usage"] for r in water if r["period_label"][5:] in ("07", "08")]
    winter = [r["usage"] for r in water if r["period_label"][5:] in ("01", "02")]
    assert sum(summer) / len(summer) > sum(winter) / len(winter)  # irrigation season


# ------------------------------------------------------------------ small mutations and lookups


def test_paperless(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    r = sim.put(f"/accounts/{number}/paperless", office=SLUG, json={"paperless": True})
    assert r.status_code == 200 and r.json()["send_paper_statement"] is False
    assert sim.get(f"/accounts/{number}", office=SLUG).json()["send_paper_statement"] is False
    r = sim.put(f"/accounts/{number}/paperless", office=SLUG, json={"paperless": False})
    assert r.json()["send_paper_statement"] is True
    assert sim.put(f"/accounts/{number}/paperless", office=SLUG, json={"paperless": "yes"}).status_code == 422


def test_landlords(sim: CaselleSim, office: dict[str, Any]) -> None:
    all_ll = sim.get("/landlords", office=SLUG).json()["landlords"]
    assert {ll["kind"] for ll in all_ll} == {"landlord", "cosigner"}
    first = all_ll[0]
    assert sim.get(f"/landlords/{first['id']}", office=SLUG).json() == first
    word = first["name"].split()[0].lower()
    found = sim.get("/landlords", office=SLUG, params={"q": word}).json()["landlords"]
    assert first["id"] in [ll["id"] for ll in found]
    assert sim.get("/landlords/99999", office=SLUG).status_code == 404

    number = office["samples"][1]["customer_number"]
    assert first["id"] not in sim.get(f"/accounts/{number}", office=SLUG).json()["landlord_ids"]
    attached = sim.attach_landlord(SLUG, first["id"], number)
    assert number in attached["customer_numbers"]
    assert first["id"] in sim.get(f"/accounts/{number}", office=SLUG).json()["landlord_ids"]
    assert number in sim.get(f"/landlords/{first['id']}", office=SLUG).json()["customer_numbers"]
    detached = sim.detach_landlord(SLUG, first["id"], number)
    assert number not in detached["customer_numbers"]
    assert first["id"] not in sim.get(f"/accounts/{number}", office=SLUG).json()["landlord_ids"]


def test_cash_receipting_categories_and_validation(sim: CaselleSim, office: dict[str, Any]) -> None:
    cats = {c["name"]: c for c in sim.get("/cash-receipting/categories", office=SLUG).json()["categories"]}
    parks = cats["Parks & Recreation"]
    assert parks["interfaced"] is False and parks["reference_label"] is None
    dists = {d["name"]: d for d in parks["distributions"]}
    assert dists["Pavilion rental"]["allow_portal_payments"] is True
    assert dists["Program fees"]["allow_online_payments"] is True
    assert dists["Program fees"]["allow_portal_payments"] is False
    permits = cats["Building Permits"]
    assert permits["interfaced"] is True and permits["reference_label"] == "Permit number"
    assert cats["Utility Billing"]["interfaced"] is True
    dog = cats["Animal Licensing"]["distributions"][0]
    assert dog["name"] == "Dog license" and dog["allow_online_payments"] and not dog["allow_portal_payments"]

    def validate(**body: str) -> Any:
        return sim.post("/cash-receipting/validate", office=SLUG, json=body)

    year = sim.get("/status", office=SLUG).json()["open_period"]["label"][:4]
    ok = validate(category=permits["code"], distribution="PERMIT", reference=f"BP-{year}-0001").json()
    assert ok["valid"] is True and ok["payor_name"]
    assert validate(category=permits["code"], distribution="PERMIT", reference="BP-1999-0001").json() == {
        "valid": False, "payor_name": None}
    number = office["samples"][0]["customer_number"]
    ub = validate(category="UB", distribution="DEPOSIT", reference=number.replace("-", "")).json()
    assert ub["valid"] is True and office["samples"][0]["last_name"] in ub["payor_name"]
    assert validate(category="PR", distribution="PAVILION", reference="Jane Doe").json() == {
        "valid": True, "payor_name": "Jane Doe"}
    assert validate(category="PR", distribution="PROGRAM", reference="Jane").status_code == 422
    assert validate(category="XX", distribution="PAVILION", reference="Jane").status_code == 422
