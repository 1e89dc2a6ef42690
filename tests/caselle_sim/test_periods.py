"""Closing the billing period: the drafted bill becomes final, with its PDF."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from typing import Any

import pytest

from tests.sim_fixtures import ROOT, CaselleSim

from ._support import cents, pdf_contains

SLUG = "period-test"


@pytest.fixture(scope="module")
def office(caselle_sim: CaselleSim) -> dict[str, Any]:
    return caselle_sim.own_office(SLUG, customers=30, seed=41)


def test_close_period_finalizes_the_draft(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    periods = sim.get("/periods", office=SLUG).json()
    open_period = periods["open"]
    assert open_period["state"] == "open" and periods["closed"][0]["id"] == open_period["id"] - 1
    before = sim.get(f"/accounts/{number}", office=SLUG).json()
    bills_before = sim.get(f"/accounts/{number}/bills", office=SLUG).json()["bills"]
    # The open period's draft is not a bill yet and does not move the balance.
    assert open_period["id"] not in [b["period_id"] for b in bills_before]
    assert sim.get(f"/accounts/{number}/bills/B0-{open_period['id']}/pdf", office=SLUG).status_code == 404

    r = sim.post("/periods/close", office=SLUG)
    assert r.status_code == 200, r.text
    closed, new_open = r.json()["closed"], r.json()["open"]
    assert closed["id"] == open_period["id"] and closed["state"] == "closed" and closed["closed_at"]
    assert new_open["id"] == closed["id"] + 1 and new_open["state"] == "open"
    assert new_open["start"] > closed["end"] and new_open["due_date"] > closed["due_date"]

    after = sim.get(f"/accounts/{number}", office=SLUG).json()
    bills = sim.get(f"/accounts/{number}/bills", office=SLUG).json()["bills"]
    bill = bills[0]
    assert bill["period_id"] == closed["id"] and bill["pdf_available"] is True
    assert len(bills) == len(bills_before) + 1
    assert after["last_bill_date"] == closed["bill_date"] != before["last_bill_date"]
    assert after["due_date"] == closed["due_date"] != before["due_date"]
    assert after["last_billed_amount"] == bill["current_charges"]
    assert cents(after["balance_due"]) == (cents(before["balance_due"]) + cents(bill["current_charges"])
                                           + cents(bill["penalties"]))
    assert bill["previous_balance"] == bills_before[0]["total_due"]
    assert bill["total_due"] == after["balance_due"]
    usage = sim.get(f"/accounts/{number}/usage", office=SLUG).json()["services"]["WATER"]
    assert usage[-1]["period_id"] == closed["id"]

    pdf = sim.get(f"/accounts/{number}/bills/{bill['bill_id']}/pdf", office=SLUG, timeout=60)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert pdf_contains(pdf.content, "City of Period-Test")
    again = sim.get(f"/accounts/{number}/bills/{bill['bill_id']}/pdf", office=SLUG, timeout=60)
    assert again.content == pdf.content  # served from the on-disk cache


def test_receipt_before_close_is_on_the_new_bill(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][1]["customer_number"]
    before = sim.get(f"/accounts/{number}", office=SLUG).json()
    open_id = sim.get("/periods", office=SLUG).json()["open"]["id"]
    # Payments the office took since the last bill (its own history runs up to generation, which
    # is after the open period's end) belong to the open period and appear on its bill.
    txns = sim.get(f"/accounts/{number}/transactions", office=SLUG).json()["transactions"]
    earlier = sum(cents(t["amount"]) for t in txns if t["type"] == "Payment" and t["period_id"] == open_id)
    r = sim.post("/receipts", office=SLUG, json={"reference": f"close-race-{number}", "kind": "utility",
                                                 "customer_number": number, "amount": "20.00", "method": "ach"})
    assert r.status_code == 201
    sim.close_period(SLUG)  # within the same second as the receipt
    bill = sim.get(f"/accounts/{number}/bills", office=SLUG).json()["bills"][0]
    assert bill["period_id"] == open_id
    assert cents(bill["payments"]) == earlier - 2000
    assert cents(bill["total_due"]) == (cents(before["balance_due"]) - 2000 + cents(bill["current_charges"])
                                        + cents(bill["penalties"]))
    assert sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"] == bill["total_due"]


def test_close_period_from_the_cli_while_serving(sim: CaselleSim, office: dict[str, Any]) -> None:
    open_id = sim.get("/periods", office=SLUG).json()["open"]["id"]
    proc = subprocess.run([sys.executable, "-m", "caselle_sim", "close-period", "--data", str(sim.data_dir),
                           "--office", SLUG], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert sim.get("/periods", office=SLUG).json()["open"]["id"] == open_id + 1
    assert sim.get("/status", office=SLUG).json()["last_closed_period"]["id"] == open_id


def test_missing_pdfs_and_foreign_bills(sim: CaselleSim, office: dict[str, Any]) -> None:
    a, b = (s["customer_number"] for s in office["samples"])
    bill_a = sim.get(f"/accounts/{a}/bills", office=SLUG).json()["bills"][1]
    bill_b = sim.get(f"/accounts/{b}/bills", office=SLUG).json()["bills"][1]
    # Another account's bill is not this account's.
    assert sim.get(f"/accounts/{a}/bills/{bill_b['bill_id']}/pdf", office=SLUG).status_code == 404
    assert sim.get(f"/accounts/{a}/bills/nonsense/pdf", office=SLUG).status_code == 404

    sim.set_missing_pdfs(SLUG, [bill_a["bill_id"]])
    try:
        r = sim.get(f"/accounts/{a}/bills/{bill_a['bill_id']}/pdf", office=SLUG)
        assert r.status_code == 404 and r.json()["error"] == "pdf_not_available"
        listed = {x["bill_id"]: x for x in sim.get(f"/accounts/{a}/bills", office=SLUG).json()["bills"]}
        assert listed[bill_a["bill_id"]]["pdf_available"] is False
        assert sum(not x["pdf_available"] for x in listed.values()) == 1
    finally:
        sim.set_missing_pdfs(SLUG, [])
    r = sim.get(f"/accounts/{a}/bills/{bill_a['bill_id']}/pdf", office=SLUG, timeout=60)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_penalty_when_past_due_at_close(sim: CaselleSim) -> None:
    """An office generated on the 5th of a month: its last bill fell due on the 18th of the month
    before, and its late and partial payers still owe on it. Closing the open period (which has
    ended) charges them 10 % (at least $5.00) of the past-due balance, on the new bill."""
    slug = "penalty-test"
    gen_today = (date.today() - timedelta(days=45)).replace(day=5)
    sim.own_office(slug, customers=40, seed=51, today=gen_today.isoformat())
    periods = sim.get("/periods", office=slug).json()
    assert periods["closed"][0]["due_date"] < date.today().isoformat()
    sim.close_period(slug)
    numbers = [s["customer_number"] for s in sim.samples(slug)]
    for ll in sim.get("/landlords", office=slug).json()["landlords"]:
        numbers += ll["customer_numbers"]
    bills = {number: sim.get(f"/accounts/{number}/bills", office=slug).json()["bills"][0]
             for number in dict.fromkeys(numbers)}
    assert {bill["period_id"] for bill in bills.values()} == {periods["open"]["id"]}
    past_due = {number: cents(bill["previous_balance"]) + cents(bill["payments"]) + cents(bill["adjustments"])
                for number, bill in bills.items()}
    penalized = [number for number, bill in bills.items() if cents(bill["penalties"]) > 0]
    assert penalized
    for number in penalized:
        bill = bills[number]
        assert cents(bill["penalties"]) == max(500, (past_due[number] * 1000 + 5000) // 10000)
        txns = sim.get(f"/accounts/{number}/transactions", office=slug).json()["transactions"]
        # (A payment in the period may also have paid off an older penalty: a Payment line.)
        pen = [t for t in txns if t["service"] == "PENALTY" and t["period_id"] == bill["period_id"]
               and t["type"] == "Adjustment"]
        assert len(pen) == 1 and pen[0]["amount"] == bill["penalties"]
    for number in set(bills) - set(penalized):  # nothing past due (a dollar at most), or on Equal Pay
        assert past_due[number] <= 100 or sim.get(f"/accounts/{number}", office=slug).json()["equal_pay_amount"]
