"""Each parallel test process (pytest-xdist worker) has its own folder and Redis database (tests/parallel.py)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from .parallel import ROOT, isolate, worker_redis_url


def test_a_worker_gets_its_own_folders_and_redis_database():
    environ = {"VAR_DIR": "/srv/var/test-pg", "REDIS_URL": "redis://127.0.0.1:6379/3",
               "EMAIL_FILE_PATH": "/srv/mail", "CELERY_BROKER_DIR": "", "DATABASE_URL": "postgres://pg/cc"}
    isolate("gw1", environ)
    assert environ == {"VAR_DIR": "/srv/var/test-pg/gw1", "REDIS_URL": "redis://127.0.0.1:6379/4",
                       "EMAIL_FILE_PATH": "/srv/mail/gw1", "CELERY_BROKER_DIR": "",
                       "DATABASE_URL": "postgres://pg/cc"}  # pytest-django names the test database per worker


def test_without_a_var_dir_the_worker_folder_is_under_var_and_redis_database_0_is_the_first():
    environ: dict[str, str] = {}
    isolate("gw0", environ)
    assert environ == {"VAR_DIR": str(ROOT / "var" / "gw0")}
    assert worker_redis_url("redis://:secret@cache:6380", 2) == "redis://:secret@cache:6380/2"
    assert worker_redis_url("rediss://cache:6380/1?ssl_cert_reqs=none", 0) == "rediss://cache:6380/1?ssl_cert_reqs=none"


def test_this_process_uses_the_folder_and_redis_url_of_its_environment():
    """What Celery workers and other processes started by a test inherit is what the settings use."""
    var_dir = os.environ.get("VAR_DIR", str(ROOT / "var"))
    assert str(settings.VAR_DIR) == var_dir
    assert settings.EMAIL_FILE_PATH == str(Path(var_dir) / "mail")
    assert settings.REDIS_URL == (os.environ.get("REDIS_URL") or None)
