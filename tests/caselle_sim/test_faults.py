"""Fault injection and process control: COWS down, slow, hung, or losing the answer."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from caselle_sim.api import App, Request
from tests.sim_fixtures import ROOT, CaselleSim

from ._support import cents

SLUG = "fault-test"


@pytest.fixture(scope="module")
def office(caselle_sim: CaselleSim) -> dict[str, Any]:
    return caselle_sim.own_office(SLUG, customers=20, seed=61)


def test_error_fault_then_recovery(sim: CaselleSim, office: dict[str, Any]) -> None:
    sim.set_fault(operation="status", mode="error", status=503, times=2, office=SLUG)
    for _ in range(2):
        r = sim.get("/status", office=SLUG)
        assert r.status_code == 503
        assert r.json()["error"] == "service_unavailable" and r.json()["message"]
    assert sim.get("/status", office=SLUG).status_code == 200  # the rule expired
    assert sim.faults() == []


def test_fault_scope(sim: CaselleSim, office: dict[str, Any]) -> None:
    sim.set_fault(operation="*", mode="error", status=500, office=SLUG)
    assert sim.get("/status", office=SLUG).status_code == 500
    assert sim.get("/periods", office=SLUG).status_code == 500
    assert sim.get("/status", office="lakeside").status_code == 200  # other offices unaffected
    assert sim.get("/api/v1/health").status_code == 200  # an office rule never matches health
    sim.clear_faults()
    sim.set_fault(operation="account_summary", mode="error")
    number = office["samples"][0]["customer_number"]
    assert sim.get(f"/accounts/{number}", office=SLUG).status_code == 503
    assert sim.get(f"/accounts/{number}/bills", office=SLUG).status_code == 200
    assert sim.get("/api/v1/health").status_code == 200
    sim.clear_faults()
    sim.set_fault(operation="*", mode="error")
    assert sim.get("/api/v1/health").status_code == 503  # "*" includes health
    sim.clear_faults()
    assert sim.get("/api/v1/health").status_code == 200


def test_slow_fault_answers_after_the_delay(sim: CaselleSim, office: dict[str, Any]) -> None:
    sim.set_fault(operation="status", mode="slow", delay=0.6, office=SLUG)
    started = time.monotonic()
    r = sim.get("/status", office=SLUG)
    assert r.status_code == 200 and r.json()["office"] == SLUG
    assert time.monotonic() - started >= 0.6


def test_hang_fault_times_the_client_out(sim: CaselleSim, office: dict[str, Any]) -> None:
    sim.set_fault(operation="account_summary", mode="hang", delay=5, office=SLUG)
    number = office["samples"][0]["customer_number"]
    with pytest.raises(requests.exceptions.ReadTimeout):
        sim.get(f"/accounts/{number}", office=SLUG, timeout=0.5)
    assert sim.get("/status", office=SLUG).status_code == 200  # other operations still answer
    sim.clear_faults()
    assert sim.get(f"/accounts/{number}", office=SLUG, timeout=5).status_code == 200


def test_drop_after_commit_then_find_by_reference(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    before = cents(sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"])
    sim.set_fault(operation="post_receipt", mode="drop_after_commit", times=1)
    reference = f"drop-{uuid.uuid4().hex[:10]}"
    body = {"reference": reference, "kind": "utility", "customer_number": number, "amount": "12.34",
            "method": "card"}
    with pytest.raises(requests.exceptions.ConnectionError):
        sim.post("/receipts", office=SLUG, json=body)
    # The portal cannot know whether it posted; asking by reference tells it did.
    found = sim.get(f"/receipts/{reference}", office=SLUG)
    assert found.status_code == 200 and found.json()["amount"] == "12.34"
    retry = sim.post("/receipts", office=SLUG, json=body)
    assert retry.status_code == 200 and retry.json()["created"] is False
    assert retry.json()["confirmation_number"] == found.json()["confirmation_number"]
    assert cents(sim.get(f"/accounts/{number}", office=SLUG).json()["balance_due"]) == before - 1234


def test_invalid_fault_rules(sim: CaselleSim) -> None:
    for rule in ({"mode": "explode"}, {"mode": "error", "operation": "nope"}, {"mode": "error", "times": 0},
                 {"mode": "error", "status": 200}):
        r = sim.request("POST", "/_control/faults", json=rule, headers={"X-Control-Key": sim.control_key})
        assert r.status_code == 422, rule


def test_control_api_needs_its_key(sim: CaselleSim) -> None:
    assert sim.request("GET", "/_control/faults").status_code == 401
    assert sim.request("GET", "/_control/faults", headers={"X-Control-Key": "wrong"}).status_code == 401
    # An office API key is not a control key.
    r = sim.request("POST", "/_control/offices/riverton/close-period",
                    headers={"Authorization": "Bearer riverton-key"})
    assert r.status_code == 401


def test_control_api_disabled_without_control_key(tmp_path: Path) -> None:
    app = App(tmp_path, control_key=None)
    resp = app.dispatch(Request("GET", "/_control/faults", {}))
    assert resp.status == 404
    assert app.dispatch(Request("GET", "/api/v1/health", {})).status == 200


def test_fault_cli(sim: CaselleSim, office: dict[str, Any]) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "caselle_sim", "fault", "--url", sim.url,
                               "--control-key", sim.control_key, *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=30)

    proc = cli("--mode", "error", "--operation", "status", "--status", "502", "--times", "1", "--office", SLUG)
    assert proc.returncode == 0, proc.stderr
    assert sim.get("/status", office=SLUG).status_code == 502
    cli("--mode", "slow", "--operation", "periods", "--delay", "0.1")
    assert len(sim.faults()) == 1
    assert cli("--mode", "clear").returncode == 0
    assert sim.faults() == []
    bad = subprocess.run([sys.executable, "-m", "caselle_sim", "fault", "--url", sim.url, "--control-key", "x",
                          "--mode", "clear"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1


def test_stop_and_start_keep_the_data(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][1]["customer_number"]
    reference = f"restart-{uuid.uuid4().hex[:10]}"
    r = sim.post("/receipts", office=SLUG, json={"reference": reference, "kind": "utility",
                                                 "customer_number": number, "amount": "3.00", "method": "ach"})
    assert r.status_code == 201
    sim.set_fault(operation="status", mode="error")
    sim.stop()
    assert not sim.running
    with pytest.raises(requests.exceptions.ConnectionError):
        sim.get("/status", office=SLUG, timeout=2)
    sim.start()
    assert sim.get(f"/receipts/{reference}", office=SLUG).json()["confirmation_number"] == r.json()["confirmation_number"]
    assert sim.get("/status", office=SLUG).status_code == 200  # faults do not survive a restart


def test_stop_while_a_request_hangs(sim: CaselleSim, office: dict[str, Any]) -> None:
    """SIGTERM is graceful even with a request held by a 60 s hang."""
    sim.set_fault(operation="periods", mode="hang", office=SLUG)
    with pytest.raises(requests.exceptions.ReadTimeout):
        sim.get("/periods", office=SLUG, timeout=0.3)
    sim.stop(timeout=10)
    assert sim.last_exit_code == 0  # it exited by itself on SIGTERM, not killed
    sim.start()
    assert sim.get("/periods", office=SLUG).status_code == 200


def test_regenerating_an_office_while_serving(sim: CaselleSim) -> None:
    slug = "regen-test"
    first = sim.generate(slug, name="City of Regen", api_key="regen-key", customers=15, seed=71)
    number = first["samples"][0]["customer_number"]
    assert sim.get(f"/accounts/{number}", office=slug).status_code == 200
    sim.close_period(slug)
    second = sim.reset_office(slug)
    assert second["samples"] == first["samples"]
    summary = sim.get(f"/accounts/{number}", office=slug).json()
    assert summary["last_billed_amount"] == first["samples"][0]["last_billed_amount"]
    assert summary["balance_due"] == first["samples"][0]["balance_due"]


def test_malformed_fault_answers_200_with_a_spoiled_body(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    good = sim.get(f"/accounts/{number}", office=SLUG).json()
    sim.set_fault(operation="account_summary", mode="malformed", office=SLUG)  # not_json unless told
    r = sim.get(f"/accounts/{number}", office=SLUG)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    sim.clear_faults()
    sim.set_fault(operation="account_summary", mode="malformed", variant="truncated", office=SLUG)
    r = sim.get(f"/accounts/{number}", office=SLUG)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        r.json()
    sim.clear_faults()
    sim.set_fault(operation="account_summary", mode="malformed", variant="missing_field", field="balance_due")
    spoiled = sim.get(f"/accounts/{number}", office=SLUG).json()
    assert "balance_due" not in spoiled and spoiled["last_name"] == good["last_name"]
    sim.clear_faults()
    sim.set_fault(operation="account_summary", mode="malformed", variant="missing_field")
    assert "customer_number" not in sim.get(f"/accounts/{number}", office=SLUG).json()  # the first field of each object
    sim.clear_faults()
    sim.set_fault(operation="account_summary", mode="malformed", variant="wrong_type")
    spoiled = sim.get(f"/accounts/{number}", office=SLUG).json()
    assert spoiled["balance_due"] == {"unexpected": good["balance_due"]}
    sim.clear_faults()
    sim.set_fault(operation="account_summary", mode="malformed", variant="wrong_shape", times=1)
    shaped = sim.get(f"/accounts/{number}", office=SLUG).json()
    assert isinstance(shaped, list) and shaped[0]["customer_number"] == number  # a list where an object was promised
    assert sim.get(f"/accounts/{number}", office=SLUG).json()["customer_number"] == number  # the rule expired


def test_malformed_fault_spoils_a_pdf_and_leaves_refusals_alone(sim: CaselleSim, office: dict[str, Any]) -> None:
    number = office["samples"][0]["customer_number"]
    bill_id = sim.get(f"/accounts/{number}/bills", office=SLUG).json()["bills"][0]["bill_id"]
    sim.set_fault(operation="*", mode="malformed", variant="wrong_type", office=SLUG)
    pdf = sim.get(f"/accounts/{number}/bills/{bill_id}/pdf", office=SLUG)
    assert pdf.status_code == 200 and not pdf.content.startswith(b"%PDF-")
    assert sim.get("/accounts/999-9999-99", office=SLUG).status_code == 404  # a refusal stays a refusal


def test_invalid_malformed_variant_is_refused(sim: CaselleSim) -> None:
    r = sim.request("POST", "/_control/faults", json={"mode": "malformed", "variant": "garbled"},
                    headers={"X-Control-Key": sim.control_key})
    assert r.status_code == 422 and "variant" in r.json()["message"]
