"""Generation: deterministic, realistic, and the office-side CLI commands."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine

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
    # Today is 2026-03-15: February, the month that has just ended, is open; March has no period yet.
    assert len(periods) == 37 and periods[-1][:2] == ("2026-02", "open") and periods[0][0] == "2023-02"
    assert periods[-1][2] == "2026-03-18"  # the open period's bill will be due after today
    assert all(state == "closed" for _, state, _ in periods[:-1])
    # No floats in the datastore: money is integer cents.
    assert conn.execute("SELECT count(*) FROM customers WHERE typeof(equal_pay_cents) = 'real'").fetchone()[0] == 0


@pytest.mark.parametrize(("moment", "today", "open_label"), [
    # (the clock in UTC, the office's date in Denver, the open period)
    ("2026-12-06T16:00:00Z", "2026-12-06", "2026-11"),
    ("2026-12-01T07:30:00Z", "2026-12-01", "2026-11"),  # the 1st: last month has just ended
    ("2026-12-31T18:00:00Z", "2026-12-31", "2026-11"),  # December's last day: it has not ended yet
    ("2027-01-01T05:00:00Z", "2026-12-31", "2026-11"),  # already Jan 1 in UTC, not in Denver
    ("2027-01-01T08:00:00Z", "2027-01-01", "2026-12"),
    ("2028-03-01T12:00:00Z", "2028-03-01", "2028-02"),
])
def test_the_open_period_is_the_month_that_has_just_ended(tmp_path: Path, moment: str, today: str,
                                                          open_label: str) -> None:
    """Without --today the generator takes the office's date from the clock; the open period is the
    newest month whose last day is before today, and every earlier month is closed."""
    with time_machine.travel(moment, tick=False):
        generate(GenerateOptions(tmp_path, "clock", "City of Clock", "k", 10, seed=2, years=2))
    conn = sqlite3.connect(tmp_path / "offices" / "clock" / "office.sqlite3")
    assert conn.execute("SELECT generated_today FROM office").fetchone()[0] == today
    periods = conn.execute('SELECT label, state, "end", bill_date, due_date, closed_at FROM periods ORDER BY id').fetchall()
    assert len(periods) == 25
    labels = [p[0] for p in periods]
    assert labels[-1] == open_label and periods[-1][2] < today and periods[-1][5] is None
    assert [p[1] for p in periods] == ["closed"] * 24 + ["open"]
    assert labels == sorted(set(labels))  # one period a month, none missing
    assert len({(int(lb[:4]) * 12 + int(lb[5:])) - i for i, lb in enumerate(labels)}) == 1
    for label, _state, end, bill_date, due_date, _closed_at in periods:
        assert end.startswith(label) and bill_date == end  # billed at the period's end
        due = date.fromisoformat(due_date)
        assert 18 <= (due - date.fromisoformat(end)).days <= 20 and due.day in (18, 19, 20)
    for _label, _state, end, _bill_date, _due_date, closed_at in periods[:-1]:
        # The office closed each on the 1st of the next month.
        first_day = date.fromisoformat(end) + timedelta(days=1)
        assert first_day.day == 1 and closed_at.startswith(first_day.isoformat() + "T00:30:00")


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
    assert out["closed"]["label"] == "2026-02" and out["closed"]["state"] == "closed"
    assert out["open"]["label"] == "2026-03" and out["open"]["state"] == "open"

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
