"""Closing the billing period: the drafted bill becomes final, with its PDF; and only once the
period has ended (from the 1st of the next month), unless forced."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
import requests
import time_machine

from caselle_sim.__main__ import main
from caselle_sim.api import App, Request
from caselle_sim.generate import GenerateOptions, generate
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

    # Forced: this module's tests share the office and any of them may have closed the month that
    # had ended (test_closing_waits_for_the_end_of_the_period closes without force, on its own office).
    r = sim.post("/periods/close", office=SLUG, json={"force": True})
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
    sim.close_period(SLUG, force=True)  # within the same second as the receipt
    bill = sim.get(f"/accounts/{number}/bills", office=SLUG).json()["bills"][0]
    assert bill["period_id"] == open_id
    assert cents(bill["payments"]) == earlier - 2000
    assert cents(bill["total_due"]) == (cents(before["balance_due"]) - 2000 + cents(bill["current_charges"])
                                        + cents(bill["penalties"]))
    assert sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"] == bill["total_due"]


def test_close_period_from_the_cli_while_serving(sim: CaselleSim, office: dict[str, Any]) -> None:
    open_id = sim.get("/periods", office=SLUG).json()["open"]["id"]
    proc = subprocess.run([sys.executable, "-m", "caselle_sim", "close-period", "--data", str(sim.data_dir),
                           "--office", SLUG, "--force"], cwd=ROOT, capture_output=True, text=True, timeout=60)
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


def test_closing_waits_for_the_end_of_the_period(sim: CaselleSim) -> None:
    """On the real clock: a fresh office's open period is the month that has ended, so it closes;
    the next one (this month) has not ended and is refused by the office API, the control API and
    the CLI alike, until forced."""
    slug = "calendar-live"
    sim.own_office(slug, customers=15, seed=61)
    first = sim.get("/periods", office=slug).json()["open"]
    r = sim.post("/periods/close", office=slug)
    assert r.status_code == 200, r.text
    assert r.json()["closed"]["label"] == first["label"]
    now_open = r.json()["open"]
    may_close_on = (date.fromisoformat(now_open["end"]) + timedelta(days=1)).isoformat()

    r = sim.post("/periods/close", office=slug)
    assert r.status_code == 409
    assert r.json()["error"] == "period_not_ended"
    assert now_open["label"] in r.json()["message"] and may_close_on in r.json()["message"]
    r = sim.request("POST", f"/_control/offices/{slug}/close-period", headers={"X-Control-Key": sim.control_key})
    assert r.status_code == 409 and r.json()["error"] == "period_not_ended"
    with pytest.raises(requests.HTTPError):
        sim.close_period(slug)
    proc = subprocess.run([sys.executable, "-m", "caselle_sim", "close-period", "--data", str(sim.data_dir),
                           "--office", slug], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert now_open["label"] in proc.stderr and may_close_on in proc.stderr
    assert sim.get("/periods", office=slug).json()["open"] == now_open  # nothing changed

    r = sim.post("/periods/close?force=true", office=slug)
    assert r.status_code == 200 and r.json()["closed"]["label"] == now_open["label"]
    assert sim.close_period(slug, force=True)["closed"]["id"] == now_open["id"] + 1
    r = sim.post("/periods/close", office=slug, json={"force": "yes"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_field"
    assert sim.get("/periods", office=slug).json()["open"]["id"] == now_open["id"] + 2


# ------------------------------------------------------------------ the calendar, on a moved clock

DENVER = ZoneInfo("America/Denver")
CAL = "cal"
CAL_KEY = "cal-key"


def _denver(y: int, m: int, d: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=DENVER)


class _Office:
    """An office generated on 2026-12-06 (Denver) and its API, called in this process so the clock
    can be moved."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        with time_machine.travel(_denver(2026, 12, 6, 9), tick=False):
            out = generate(GenerateOptions(data_dir, CAL, "City of Cal", CAL_KEY, 30, seed=21))
        self.number = out["samples"][0]["customer_number"]
        self.app = App(data_dir, control_key="ctl", log_errors=False)

    def call(self, method: str, path: str, body: object = None, control: bool = False) -> tuple[int, Any]:
        prefix = f"/_control/offices/{CAL}" if control else f"/api/v1/offices/{CAL}"
        headers = {"X-Control-Key": "ctl"} if control else {"Authorization": f"Bearer {CAL_KEY}"}
        resp = self.app.dispatch(Request(method, prefix + path, headers,
                                         json.dumps(body).encode() if body is not None else b""))
        return resp.status, json.loads(resp.body)

    def close(self, body: object = None, query: str = "", control: bool = False) -> tuple[int, Any]:
        """POST .../periods/close, or the control API's .../close-period."""
        return self.call("POST", ("/close-period" if control else "/periods/close") + query, body, control)

    def periods(self) -> dict[str, Any]:
        return self.call("GET", "/periods")[1]

    def account(self) -> dict[str, Any]:
        return self.call("GET", f"/accounts/{self.number}")[1]


@pytest.fixture
def cal(tmp_path: Path) -> Iterator[_Office]:
    office = _Office(tmp_path)
    yield office
    office.app.conns.close_all()


def test_the_ended_month_closes_and_bills_dated_at_its_end_are_due_after_today(cal: _Office) -> None:
    before = cal.periods()
    assert before["open"]["label"] == "2026-11" and before["closed"][0]["label"] == "2026-10"
    with time_machine.travel(_denver(2026, 12, 6, 10), tick=False):
        status, out = cal.close()
    assert status == 200, out
    closed = out["closed"]
    assert (closed["label"], closed["state"], closed["bill_date"], closed["due_date"]) == (
        "2026-11", "closed", "2026-11-30", "2026-12-18")
    assert closed["closed_at"] == "2026-12-06T10:00:00-07:00"
    assert (out["open"]["label"], out["open"]["state"], out["open"]["end"]) == ("2026-12", "open", "2026-12-31")
    account = cal.account()
    assert account["last_bill_date"] == "2026-11-30" and account["due_date"] == "2026-12-18"
    assert account["due_date"] > "2026-12-06"  # due after today: every AutoPay timing can still happen
    status, bills = cal.call("GET", f"/accounts/{cal.number}/bills")
    assert bills["bills"][0]["period_label"] == "2026-11" and bills["bills"][0]["bill_date"] == "2026-11-30"


def test_closing_before_the_day_after_the_end_is_refused_and_changes_nothing(
        cal: _Office, capsys: pytest.CaptureFixture[str]) -> None:
    with time_machine.travel(_denver(2026, 12, 6, 10), tick=False):
        assert cal.close()[0] == 200  # November: it has ended
    periods, account = cal.periods(), cal.account()
    message = ("period 2026-12 (2026-12-01 to 2026-12-31) has not ended: it may be closed on or after "
               "2027-01-01")
    # 23:59 on the period's last day in Denver is already Jan 1 in UTC: the office's wall clock decides.
    for moment in (_denver(2026, 12, 6, 11), _denver(2026, 12, 31, 0, 1), _denver(2026, 12, 31, 23, 59)):
        with time_machine.travel(moment, tick=False):
            for control in (False, True):
                status, out = cal.close(control=control)
                assert status == 409 and out["error"] == "period_not_ended"
                assert out["message"].startswith(message)
                assert f"today is {moment.date().isoformat()} in America/Denver" in out["message"]
            status, out = cal.close({"force": False})
            assert status == 409 and out["error"] == "period_not_ended"
            assert main(["close-period", "--data", str(cal.data_dir), "--office", CAL]) == 2
            captured = capsys.readouterr()
            assert captured.out == "" and message in captured.err
    assert cal.periods() == periods and cal.account() == account


def test_closing_on_the_first_of_the_next_month_works(cal: _Office) -> None:
    with time_machine.travel(_denver(2026, 12, 6, 10), tick=False):
        assert cal.close()[0] == 200
    with time_machine.travel(_denver(2027, 1, 1, 0, 5), tick=False):
        status, out = cal.close(control=True)
        assert status == 200, out
        assert (out["closed"]["label"], out["closed"]["bill_date"], out["closed"]["due_date"]) == (
            "2026-12", "2026-12-31", "2027-01-18")
        assert out["open"]["label"] == "2027-01"
        account = cal.account()
        assert account["last_bill_date"] == "2026-12-31" and account["due_date"] == "2027-01-18"
        # ... and January waits for February.
        status, out = cal.close()
        assert status == 409 and "on or after 2027-02-01" in out["message"]


def test_force_closes_a_period_that_has_not_ended(cal: _Office, capsys: pytest.CaptureFixture[str]) -> None:
    with time_machine.travel(_denver(2026, 12, 6, 10), tick=False):
        assert cal.close()[0] == 200
        status, out = cal.close({"force": True})
        assert status == 200 and out["closed"]["label"] == "2026-12" and out["open"]["label"] == "2027-01"
        status, out = cal.close(query="?force=1", control=True)
        assert status == 200 and out["closed"]["label"] == "2027-01"
        assert main(["close-period", "--data", str(cal.data_dir), "--office", CAL, "--force"]) == 0
        assert json.loads(capsys.readouterr().out)["closed"]["label"] == "2027-02"
        status, out = cal.close(query="?force=maybe")
        assert status == 422 and out["error"] == "invalid_field"
    periods = cal.periods()
    assert periods["open"]["label"] == "2027-03"
    assert [p["label"] for p in periods["closed"][:4]] == ["2027-02", "2027-01", "2026-12", "2026-11"]
    # A forced bill is dated at its period's end, like any other.
    assert cal.account()["last_bill_date"] == "2027-02-28"
