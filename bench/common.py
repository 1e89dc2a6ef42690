"""Shared by the benchmarks: a throwaway portal on real processes (simulator, gunicorn) and wrk.

Numbers are requests per second measured in one run on the same server, and reported as ratios
to a bare Django view, so they compare across machines. Nothing here is a test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, host: str | None = None, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, headers={"Host": host} if host else {}, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Stack:
    """A simulator with one office, a migrated database, and gunicorn serving the portal."""

    def __init__(self, customers: int = 300, years: int = 3):
        self.dir = Path(tempfile.mkdtemp(prefix="cc-bench-"))
        self.env = {**os.environ, "VAR_DIR": str(self.dir / "var"), "BENCHMARK_VIEWS": "true",
                    "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "portal.settings"}
        self.procs: list[subprocess.Popen] = []
        self.sim_port = free_port()
        self.web_port = free_port()
        subprocess.run([PY, "-m", "caselle_sim", "generate", "--data", str(self.dir / "sim"), "--office", "bench",
                        "--name", "City of Bench", "--api-key", "bench-key", "--customers", str(customers),
                        "--seed", "3", "--years", str(years)], check=True, cwd=ROOT, stdout=open(self.dir / "samples.json", "w"))
        self.samples = json.loads((self.dir / "samples.json").read_text().splitlines()[-1])["samples"]
        self.spawn([PY, "-m", "caselle_sim", "serve", "--data", str(self.dir / "sim"), "--host", "127.0.0.1",
                    "--port", str(self.sim_port)], "sim")
        wait_http(f"http://127.0.0.1:{self.sim_port}/api/v1/health")
        subprocess.run([PY, "manage.py", "migrate", "-v0"], check=True, cwd=ROOT, env=self.env)
        self.office_url = f"http://127.0.0.1:{self.sim_port}/api/v1/offices/bench"

    def spawn(self, cmd, name):
        log = open(self.dir / f"{name}.log", "w")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def manage_py(self, code: str) -> str:
        out = subprocess.run([PY, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=self.env,
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(out.stderr)
        return out.stdout.strip()

    def start_web(self, workers: int | None = None):
        workers = workers or os.cpu_count() or 2
        self.spawn([PY, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{self.web_port}",
                    "--workers", str(workers), "--worker-class", "sync", "--log-level", "warning"], "web")
        wait_http(f"http://127.0.0.1:{self.web_port}/healthz", host="localhost")

    def close(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def wrk(url: str, headers: dict[str, str], seconds: int = 5, connections: int = 16, runs: int = 3) -> float:
    """Median requests/second of `runs` wrk runs (threads 2)."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    rates = []
    for _ in range(runs):
        cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
        for k, v in headers.items():
            cmd += ["-H", f"{k}: {v}"]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"{url} answered errors under load:\n{out}")
        rates.append(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)))
    return statistics.median(rates)
