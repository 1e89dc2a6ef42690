"""Shared by the benchmarks: a throwaway portal on real processes (simulator, gunicorn) and wrk.

Numbers are requests per second measured in one run on the same machine, and reported as ratios
to a minimal Django site started by the benchmark itself (bench/minimal_site.py, gunicorn with the
same worker count) and to the portal's signed-in bare view, so they compare across machines.
With DATABASE_URL (PostgreSQL) and REDIS_URL set, the stack runs on them: a throwaway database
made next to DATABASE_URL's and a cache key prefix of its own, both removed afterwards.
Nothing here is a test.
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
from urllib.parse import urlparse, urlunparse

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

    def __init__(self, customers: int = 300, years: int = 3, tag: str = ""):
        """`tag` tells apart two stacks of one run (their database names and cache key prefixes)."""
        self.tag = tag
        self.dir = Path(tempfile.mkdtemp(prefix="cc-bench-"))
        self.env = {**os.environ, "VAR_DIR": str(self.dir / "var"), "BENCHMARK_VIEWS": "true",
                    "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "portal.settings"}
        self.procs: list[subprocess.Popen] = []
        self.sim_port = free_port()
        self.web_port = free_port()
        self.minimal_port = free_port()
        self.workers = 0
        self.database = self._throwaway_database()
        if os.environ.get("REDIS_URL"):
            self.env["CACHE_KEY_PREFIX"] = f"bench{os.getpid()}{tag}"
        subprocess.run([PY, "-m", "caselle_sim", "generate", "--data", str(self.dir / "sim"), "--office", "bench",
                        "--name", "City of Bench", "--api-key", "bench-key", "--customers", str(customers),
                        "--seed", "3", "--years", str(years)], check=True, cwd=ROOT, stdout=open(self.dir / "samples.json", "w"))
        self.samples = json.loads((self.dir / "samples.json").read_text().splitlines()[-1])["samples"]
        self.spawn([PY, "-m", "caselle_sim", "serve", "--data", str(self.dir / "sim"), "--host", "127.0.0.1",
                    "--port", str(self.sim_port)], "sim")
        wait_http(f"http://127.0.0.1:{self.sim_port}/api/v1/health")
        subprocess.run([PY, "manage.py", "migrate", "-v0"], check=True, cwd=ROOT, env=self.env)
        self.office_url = f"http://127.0.0.1:{self.sim_port}/api/v1/offices/bench"

    def _throwaway_database(self) -> str | None:
        """On PostgreSQL, a fresh database beside DATABASE_URL's (which is left alone)."""
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith("postgres"):
            self.env.pop("DATABASE_URL", None)
            return None
        import psycopg

        parts = urlparse(url)
        name = f"{parts.path.lstrip('/') or 'cc'}_bench{os.getpid()}{self.tag}"
        self._admin_url = urlunparse(parts._replace(path="/postgres"))
        with psycopg.connect(self._admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.env["DATABASE_URL"] = urlunparse(parts._replace(path="/" + name))
        return name

    @property
    def backend(self) -> str:
        return ("PostgreSQL" if self.database else "SQLite") + (" + Redis" if self.env.get("REDIS_URL") else
                                                               " + file cache")

    def spawn(self, cmd, name, env=None):
        log = open(self.dir / f"{name}.log", "w")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def run_phase(self, script: str, phase: str, **params) -> dict:
        """One part of a benchmark `script` (run with --phase) in a fresh process on this stack; its JSON answer."""
        cmd = [PY, str(Path(script).resolve()), "--phase", phase, "--params", json.dumps(params)]
        out = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(f"phase {phase} failed:\n{out.stderr[-4000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def manage_py(self, code: str) -> str:
        out = subprocess.run([PY, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=self.env,
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(out.stderr)
        return out.stdout.strip()

    def start_web(self, workers: int | None = None):
        """The portal and, with the same worker count, the minimal Django site; both as production runs them (DEBUG off)."""
        self.workers = workers or os.cpu_count() or 2
        env = {**self.env, "DJANGO_DEBUG": "false"}
        self.spawn([PY, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{self.web_port}",
                    "--workers", str(self.workers), "--worker-class", "sync", "--log-level", "warning"], "web", env)
        minimal = {**env, "DJANGO_SETTINGS_MODULE": "bench.minimal_site"}
        self.spawn([PY, "-m", "gunicorn", "django.core.wsgi:get_wsgi_application()", "--bind",
                    f"127.0.0.1:{self.minimal_port}", "--workers", str(self.workers), "--worker-class", "sync",
                    "--log-level", "warning"], "minimal", minimal)
        wait_http(f"http://127.0.0.1:{self.web_port}/healthz", host="localhost")
        wait_http(f"http://127.0.0.1:{self.minimal_port}/bare")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def minimal_rate(self, **kwargs) -> float:
        return wrk(f"http://127.0.0.1:{self.minimal_port}/bare", {}, **kwargs)

    def close(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if self.database:
            import psycopg

            with psycopg.connect(self._admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        if self.env.get("CACHE_KEY_PREFIX", "").startswith("bench"):
            import redis

            r = redis.Redis.from_url(self.env["REDIS_URL"])
            for key in r.scan_iter(match=f"{self.env['CACHE_KEY_PREFIX']}:*"):
                r.delete(key)
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(targets: dict[str, tuple[str, dict[str, str]]], rounds: int = 3, seconds: int = 4) -> dict[str, float]:
    """Median requests/second of each (url, headers), measured in turns so a busy moment hits all alike."""
    rates: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (url, headers) in targets.items():
            rates[name].append(wrk(url, headers, seconds=seconds, runs=1))
    return {name: statistics.median(values) for name, values in rates.items()}


def report(stack: Stack, minimal: float, bare: float, pages: list[tuple[str, float, float | None]]) -> None:
    """Requests per second, each as a share of the minimal Django site and of the portal's bare view.

    pages: (name, requests per second, goal as a share of the minimal site or None).
    """
    print(f"{stack.backend}; {os.cpu_count()} cores; gunicorn sync, {stack.workers} workers each; wrk -t2 -c16")
    print(f"{'':34s} {'req/s':>8s} {'of minimal':>11s} {'of bare':>8s}  goal (of minimal)")
    print(f"{'minimal Django view':34s} {minimal:8.0f} {1:11.0%} {minimal / bare:8.0%}")
    for name, rate, goal in [("signed-in /bench/bare", bare, 0.50), *pages]:
        verdict = "" if goal is None else f">= {goal:.0%} {'met' if rate / minimal >= goal else 'NOT met'}"
        print(f"{name:34s} {rate:8.0f} {rate / minimal:11.0%} {rate / bare:8.0%}  {verdict}")


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
