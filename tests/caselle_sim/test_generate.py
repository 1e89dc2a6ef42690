"""Generation: deterministic, realistic, and the office-side CLI commands."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from caselle_sim import ledger
from caselle_sim.generate import GenerateOptions, generate
from tests.sim_fixtures import ROOT

from ._support import CUSTOMER_NUMBER_RE, cents


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "caselle_sim", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _generate_cli(data: Path, seed: int, customers: int = 50, today: str = "2026-03-15") -> dict:
    proc = _cli("generate", "--data", str(data), "--office", "demo", "--name", "City of Demo",
                "--api-key", "demo-key", "--customers", str(customers), "--seed", str(seed),
                "--today", today)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_same_seed_gives_same_office(tmp_path: Path) -> None:
    a = _generate_cli(tmp_path / "a", seed=3)
    b = _generate_cli(tmp_path / "b", seed=3)
    c = _generate_cli(tmp_path / "c", seed=4)
    assert a == b
    assert a["samples"] != c["samples"]
    assert a["office"] == "demo" and a["customers"] == 50
    assert len(a["samples"]) == 2
    for s in a["samples"]:
        assert set(s) >= {"customer_number", "last_name", "last_billed_amount", "balance_due"}
        assert CUSTOMER_NUMBER_RE.match(s["customer_number"])
        assert cents(s["last_billed_amount"]) > 0
    dump = [
        sqlite3.connect(tmp_path / d / "offices" / "demo" / "office.sqlite3")
        .execute("SELECT * FROM customers ORDER BY id").fetchall()
        for d in ("a", "b")
    ]
    assert dump[0] == dump[1]


def test_regenerate_replaces_the_office(tmp_path: Path) -> None:
    _generate_cli(tmp_path, seed=3, customers=30)
    out = _generate_cli(tmp_path, seed=3, customers=20)
    assert out["customers"] == 20
    db = tmp_path / "offices" / "demo" / "office.sqlite3"
    assert sqlite3.connect(db).execute("SELECT count(*) FROM customers").fetchone()[0] == 20
    assert [p.name for p in (tmp_path / "offices").iterdir()] == ["demo"]  # no scratch left


def test_generated_data_is_realistic(tmp_path: Path) -> None:
    from datetime import date

    generate(GenerateOptions(tmp_path, "big", "City of Big", "k", 3000, seed=9, today=date(2026, 3, 15)))
    conn = sqlite3.connect(tmp_path / "offices" / "big" / "office.sqlite3")

    def share(where: str) -> float:
        return conn.execute(f"SELECT avg(CASE WHEN {where} THEN 1.0 ELSE 0 END) FROM customers").fetchone()[0]

    assert 0.10 < share("email = ''") < 0.20
    assert 0.01 < share("direct_pay = 1") < 0.06
    assert 0.03 < share("equal_pay_cents IS NOT NULL") < 0.08
    assert 0.003 < share("block_cc = 1 OR block_ach = 1") < 0.06
    assert share("send_paper = 1") > 0.6
    assert 0.04 < share("class = 'COM'") < 0.12
    assert 0.05 < share("mailing_address != service_address") < 0.25
    numbers = [r[0] for r in conn.execute("SELECT number FROM customers")]
    assert all(CUSTOMER_NUMBER_RE.match(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    last_names = {r[0] for r in conn.execute("SELECT last_name FROM customers")}
    assert any("'" in n for n in last_names) and any(" " in n for n in last_names)
    assert any("-" in n for n in last_names)
    assert len(last_names) > 200
    kinds = dict(conn.execute("SELECT kind, count(*) FROM landlords GROUP BY kind").fetchall())
    assert kinds["landlord"] >= 30 and kinds["cosigner"] >= 10
    per_landlord = [r[0] for r in conn.execute("SELECT count(*) FROM landlord_accounts GROUP BY landlord_id")]
    assert max(per_landlord) >= 5
    periods = conn.execute("SELECT label, state, due_date FROM periods ORDER BY id").fetchall()
    assert len(periods) == 37 and periods[-1][:2] == ("2026-03", "open")
    assert periods[-1][2] > "2026-03-15"  # the open period is due after today
    assert all(state == "closed" for _, state, _ in periods[:-1])
    # No floats in the datastore: money is integer cents.
    assert conn.execute("SELECT count(*) FROM customers WHERE typeof(equal_pay_cents) = 'real'").fetchone()[0] == 0


def test_guide_example_charges() -> None:
    """The guide's table: usage 29 -> WATER 27.35, SEWER 43.61, GARBAGE 19.00, STORMWATER 3.00,
    STORMWATER S 0.21, WATER EXCISE 1.64 (residential, 2025 rates)."""
    r = ledger.rates_for("RES", 2025)
    water = r["water_base"] + r["water_per"] * 29
    assert water == 2735
    assert r["sewer_base"] + r["sewer_per"] * 29 == 4361
    assert r["garbage"] == 1900 and r["storm"] == 300
    assert (r["storm"] * ledger.STORM_S_BP + 5000) // 10000 == 21
    assert (water * ledger.EXCISE_BP + 5000) // 10000 == 164


def test_cli_close_period_and_landlords(tmp_path: Path) -> None:
    _generate_cli(tmp_path, seed=5, customers=30)
    proc = _cli("close-period", "--data", str(tmp_path), "--office", "demo")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["closed"]["label"] == "2026-03" and out["closed"]["state"] == "closed"
    assert out["open"]["label"] == "2026-04" and out["open"]["state"] == "open"

    conn = sqlite3.connect(tmp_path / "offices" / "demo" / "office.sqlite3")
    cid, number = conn.execute("SELECT id, number FROM customers ORDER BY id LIMIT 1").fetchone()
    conn.execute("DELETE FROM landlord_accounts WHERE customer_id = ?", (cid,))
    conn.commit()
    proc = _cli("attach-landlord", "--data", str(tmp_path), "--office", "demo", "--landlord", "1",
                "--customer", number.replace("-", ""))
    assert proc.returncode == 0, proc.stderr
    assert number in json.loads(proc.stdout)["customer_numbers"]
    proc = _cli("detach-landlord", "--data", str(tmp_path), "--office", "demo", "--landlord", "1",
                "--customer", number)
    assert proc.returncode == 0, proc.stderr
    assert number not in json.loads(proc.stdout)["customer_numbers"]
    proc = _cli("attach-landlord", "--data", str(tmp_path), "--office", "demo", "--landlord", "999",
                "--customer", number)
    assert proc.returncode != 0 and "landlord" in proc.stderr


@pytest.mark.parametrize("bad", [["--customers", "0"], ["--office", "Bad Slug"]])
def test_generate_rejects_bad_options(tmp_path: Path, bad: list[str]) -> None:
    args = {"--data": str(tmp_path), "--office": "demo", "--name": "City of Demo", "--api-key": "k",
            "--customers": "5", "--seed": "1"}
    args[bad[0]] = bad[1]
    proc = _cli("generate", *[x for kv in args.items() for x in kv])
    assert proc.returncode == 2 and proc.stderr
