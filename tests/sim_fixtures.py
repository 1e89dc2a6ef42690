"""Pytest plugin: a real Caselle simulator process for tests.

Load it with ``pytest_plugins = ["tests.sim_fixtures"]``. It provides:

- ``caselle_sim`` (session): generates two offices into a temporary datastore with the CLI
  (``riverton``: key ``riverton-key``, 60 customers, seed 1; ``lakeside``: key
  ``lakeside-key``, 40 customers, seed 2), starts ``python -m caselle_sim serve`` on a free
  port with a control key, and yields a ``CaselleSim`` handle. The process is always stopped at
  session end, on failure too (and killed with pytest if pytest itself dies, on Linux).
- ``sim`` (function): the same handle, with faults cleared before and after the test and the
  server restarted if the test stopped it.

The simulator is shared by the session: a test that mutates an office (posts receipts, closes a
period) should use its own office (``caselle_sim.own_office("my-office", ...)``; the running
server serves it at once; ``own_office`` in ``tests/conftest.py`` also points a city at it) or
put it back with ``reset_office``.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
CONTROL_KEY = "sim-control-key"
START_TIMEOUT = 20.0

OFFICES: dict[str, dict[str, Any]] = {
    "riverton": {"name": "City of Riverton", "api_key": "riverton-key", "customers": 60, "seed": 1},
    "lakeside": {"name": "Town of Lakeside", "api_key": "lakeside-key", "customers": 40, "seed": 2},
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: have the kernel SIGTERM the child (simulator, localstripe) if the pytest process dies (no leak)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: atexit and the fixture finalizer still stop it
        pass


class CaselleSim:
    """Handle on a simulator process and its datastore."""

    def __init__(self, base_dir: Path, control_key: str = CONTROL_KEY, port: int | None = None) -> None:
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.control_key = control_key
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self.last_exit_code: int | None = None  # of the last stop(): 0 when it stopped gracefully
        self._offices: dict[str, dict[str, Any]] = {}
        self._samples: dict[str, list[dict[str, str]]] = {}
        self.out_log = self.base_dir / "sim.stdout.log"
        self.err_log = self.base_dir / "sim.stderr.log"

    # ------------------------------------------------------------------ process

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _cli(self, *args: str, timeout: float = 120) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "caselle_sim", *args], cwd=ROOT, env=self._env(),
            capture_output=True, text=True, timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"caselle_sim {args[0]} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start (or restart) the server on the same port with the same data."""
        if self.running:
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        offset = self.out_log.stat().st_size if self.out_log.exists() else 0
        with open(self.out_log, "ab") as out, open(self.err_log, "ab") as err:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "caselle_sim", "serve", "--data", str(self.data_dir),
                 "--host", self.host, "--port", str(self.port), "--control-key", self.control_key],
                cwd=ROOT, env=self._env(), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent if sys.platform.startswith("linux") else None,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.out_log, "rb") as f:
                f.seek(offset)
                if b"caselle_sim listening on" in f.read():
                    return
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"caselle_sim did not start on port {self.port}: {self._stderr_tail()}")

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM and wait (kill if it will not stop)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is not None:
            self.last_exit_code = proc.returncode
            return
        proc.terminate()
        try:
            self.last_exit_code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            self.last_exit_code = proc.wait(timeout=timeout)

    def _stderr_tail(self) -> str:
        try:
            return self.err_log.read_text(errors="replace")[-2000:]
        except FileNotFoundError:
            return ""

    # ------------------------------------------------------------------ offices

    def generate(self, slug: str, *, name: str, api_key: str, customers: int, seed: int,
                 time_zone: str = "America/Denver", years: int = 3, today: str | None = None) -> dict[str, Any]:
        """Create or replace an office (a running server picks it up at once)."""
        args = ["generate", "--data", str(self.data_dir), "--office", slug, "--name", name,
                "--api-key", api_key, "--customers", str(customers), "--seed", str(seed),
                "--time-zone", time_zone, "--years", str(years)]
        if today:
            args += ["--today", today]
        out = json.loads(self._cli(*args).strip().splitlines()[-1])
        self._offices[slug] = {"name": name, "api_key": api_key, "customers": customers, "seed": seed,
                               "time_zone": time_zone, "years": years, "today": today}
        self._samples[slug] = out["samples"]
        return out

    def own_office(self, slug: str, *, customers: int = 40, seed: int = 11, name: str | None = None,
                   **options: Any) -> dict[str, Any]:
        """A fresh office of a test's own (key ``<slug>-key``), so it may post receipts and close periods
        without disturbing others; regenerated from scratch when it already exists."""
        return self.generate(slug, name=name or f"City of {slug.title()}", api_key=f"{slug}-key",
                             customers=customers, seed=seed, **options)

    def reset_office(self, slug: str) -> dict[str, Any]:
        """Regenerate an office from its original options, undoing what tests did to it."""
        return self.generate(slug, **self._offices[slug])

    @property
    def offices(self) -> list[str]:
        return list(self._offices)

    def office_key(self, slug: str) -> str:
        return str(self._offices[slug]["api_key"])

    def samples(self, slug: str) -> list[dict[str, str]]:
        return [dict(s) for s in self._samples[slug]]

    def office_url(self, slug: str) -> str:
        return f"{self.url}/api/v1/offices/{slug}"

    # ------------------------------------------------------------------ HTTP helpers

    def request(self, method: str, path: str, office: str | None = None, key: str | None = None,
                **kwargs: Any) -> requests.Response:
        """``path`` is under the office's API when ``office`` is given, else under the root.

        A fresh connection each time, so a restart or a dropped socket never leaves a stale one.
        """
        headers = dict(kwargs.pop("headers", None) or {})
        if office is not None:
            url = self.office_url(office) + path
            headers.setdefault("Authorization", f"Bearer {key if key is not None else self.office_key(office)}")
        else:
            url = self.url + path
        kwargs.setdefault("timeout", 15)
        return requests.request(method, url, headers=headers, **kwargs)

    def get(self, path: str, office: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, office, **kwargs)

    def post(self, path: str, office: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, office, **kwargs)

    def put(self, path: str, office: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, office, **kwargs)

    def delete(self, path: str, office: str | None = None, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, office, **kwargs)

    def control(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-Control-Key": self.control_key, **(kwargs.pop("headers", None) or {})}
        resp = self.request(method, "/_control" + path, headers=headers, **kwargs)
        resp.raise_for_status()
        return resp

    # ------------------------------------------------------------------ control

    def set_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule: operation="*"|NAME, mode="error"|"hang"|"slow"|"drop_after_commit",
        status=503, delay=seconds, times=N, office=SLUG."""
        return self.control("POST", "/faults", json=rule).json()

    def faults(self) -> list[dict[str, Any]]:
        return self.control("GET", "/faults").json()["faults"]

    def clear_faults(self) -> None:
        self.control("DELETE", "/faults")

    def close_period(self, slug: str, force: bool = False) -> dict[str, Any]:
        """Close the office's open period, as its staff do. The simulator refuses (409
        ``period_not_ended``, raised here as an HTTPError) a period that has not ended yet, unless
        ``force``: a generated office's open period has ended, the one after it has not."""
        return self.control("POST", f"/offices/{slug}/close-period", json={"force": force}).json()

    def attach_landlord(self, slug: str, landlord_id: int, customer_number: str) -> dict[str, Any]:
        return self.control("POST", f"/offices/{slug}/landlords/{landlord_id}/accounts/{customer_number}").json()

    def detach_landlord(self, slug: str, landlord_id: int, customer_number: str) -> dict[str, Any]:
        return self.control("DELETE", f"/offices/{slug}/landlords/{landlord_id}/accounts/{customer_number}").json()

    def set_flags(self, slug: str, customer_number: str, **flags: bool) -> None:
        """Tick or clear a customer's boxes, as office staff do: BLOCK_CC, BLOCK_ACH, direct_pay."""
        body = {k.replace("BLOCK_", "BLOCK "): v for k, v in flags.items()}
        response = self.control("POST", f"/offices/{slug}/customers/{customer_number}/flags", json=body)
        response.raise_for_status()

    def set_missing_pdfs(self, slug: str, bill_ids: list[str]) -> None:
        self.control("POST", f"/offices/{slug}/missing-pdfs", json={"bill_ids": bill_ids})


def start_simulator(base_dir: Path, offices: dict[str, dict[str, Any]] | None = None) -> CaselleSim:
    """Generate offices and start a server; the caller must ``stop()`` it."""
    sim = CaselleSim(base_dir)
    atexit.register(sim.stop)  # a last resort if the session ends without its finalizer
    try:
        for slug, spec in (OFFICES if offices is None else offices).items():
            sim.generate(slug, **spec)
        sim.start()
    except BaseException:
        sim.stop()
        raise
    return sim


@pytest.fixture(scope="session")
def caselle_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaselleSim]:
    sim = start_simulator(tmp_path_factory.mktemp("caselle_sim"))
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def sim(caselle_sim: CaselleSim) -> Iterator[CaselleSim]:
    if not caselle_sim.running:
        caselle_sim.start()
    caselle_sim.clear_faults()
    yield caselle_sim
    if not caselle_sim.running:
        caselle_sim.start()
    caselle_sim.clear_faults()
