"""Pytest plugin, loaded before anything else (``-p tests.parallel`` in pyproject's addopts).

bin/test runs the suite in several processes with pytest-xdist (gw0, gw1, ...). Each of them runs
as if bin/test had been given its own ``VAR_DIR`` and its own Redis database: this module changes
the process's environment when it is imported, which is before pytest-django reads
``portal/settings.py``, so the settings and every process a test starts with the environment
(real Celery workers, the simulator, localstripe) agree.

- ``VAR_DIR`` (and ``CELERY_BROKER_DIR``, ``EMAIL_FILE_PATH``, ``MEDIA_ROOT``, ``PRIVATE_FILES_ROOT``
  when set) gets a sub-folder named for the worker: its SQLite test database, filesystem broker,
  Celery results, mail, file cache, beat schedule and generated keys.
- ``REDIS_URL`` names the worker's own database (the given number plus the worker's: gw0 keeps it,
  gw1 the next one, ...), so the cache's ``clear()`` (FLUSHDB), the broker's queue, ``purge()`` and
  the results touch only that worker's keys and tasks.
- The PostgreSQL test database is named per worker by pytest-django (``test_<name>_gw0``, ...).

A subprocess given its own ``VAR_DIR`` (tests/portal/test_settings.py) keeps it. Outside xdist
(``bin/test -n 0``) nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("CELERY_BROKER_DIR", "EMAIL_FILE_PATH", "MEDIA_ROOT", "PRIVATE_FILES_ROOT")


def worker_redis_url(url: str, number: int) -> str:
    """The same Redis server, database ``<the URL's> + number``."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{base + number}"))


def isolate(worker: str, environ=os.environ) -> None:
    """Point this process's environment at the worker's own folders and Redis database."""
    environ["VAR_DIR"] = str(Path(environ.get("VAR_DIR") or ROOT / "var") / worker)
    for name in FOLDERS:
        if environ.get(name, "").strip():
            environ[name] = str(Path(environ[name]) / worker)
    if environ.get("REDIS_URL", "").strip():
        environ["REDIS_URL"] = worker_redis_url(environ["REDIS_URL"].strip(), int(worker.removeprefix("gw")))


_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER and os.environ.get("PARALLEL_TEST_WORKER") != _WORKER:
    isolate(_WORKER)
    os.environ["PARALLEL_TEST_WORKER"] = _WORKER  # once per process, even if imported again
