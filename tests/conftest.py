"""Two cities and named people, shared by every test.

Riverton: Rosa (resident), Carl (clerk, office admin), Larry (landlord).
Lakeside: Lena (resident), Lars (clerk).
Tests reach pages with the test client on 127.0.0.1 and a Host header, as Python cannot
resolve *.localhost (Chromium can, in the browser tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from customers.models import Membership
from portal.middleware import SESSION_TENANT_KEY

from .factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (pg_dump of the test database, say) are collected only on PostgreSQL."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    kept = [item for item in items if item.get_closest_marker("postgres") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def host_of(tenant) -> str:
    return f"{tenant.slug}.localhost"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads and cached PDFs of a test stay in its own folders (public media, private files)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_FILES_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _clear_cache():
    from portal.tenancy import forget_tenants

    forget_tenants()
    cache.clear()
    yield
    cache.clear()


@dataclass
class City:
    tenant: object
    resident: object
    clerk: object

    @property
    def host(self) -> str:
        return host_of(self.tenant)


@pytest.fixture
def riverton(db) -> City:
    tenant = TenantFactory(slug="riverton", name="City of Riverton")
    rosa = UserFactory(email="rosa@example.org", first_name="Rosa")
    carl = UserFactory(email="carl@riverton.example", first_name="Carl")
    MembershipFactory(tenant=tenant, user=rosa)
    MembershipFactory(tenant=tenant, user=carl, role=Membership.Role.OFFICE_ADMIN)
    return City(tenant, rosa, carl)


@pytest.fixture
def lakeside(db) -> City:
    tenant = TenantFactory(slug="lakeside", name="Town of Lakeside", time_zone="America/Chicago")
    lena = UserFactory(email="lena@example.org", first_name="Lena")
    lars = UserFactory(email="lars@lakeside.example", first_name="Lars")
    MembershipFactory(tenant=tenant, user=lena)
    MembershipFactory(tenant=tenant, user=lars, role=Membership.Role.OFFICE_ADMIN)
    return City(tenant, lena, lars)


@pytest.fixture
def larry(riverton):
    """A landlord with a portal login at Riverton."""
    user = UserFactory(email="larry@landlords.example", first_name="Larry")
    MembershipFactory(tenant=riverton.tenant, user=user)
    return user


class CityClient(Client):
    """A test client that talks to one city's host."""

    def __init__(self, host: str, **kwargs):
        super().__init__(HTTP_HOST=host, **kwargs)
        self.host = host


def login_client(user, tenant) -> CityClient:
    client = CityClient(host_of(tenant))
    client.force_login(user)
    session = client.session
    session[SESSION_TENANT_KEY] = tenant.id
    session.save()
    return client


@pytest.fixture
def client_for():
    return login_client


@pytest.fixture
def anon_client():
    return lambda tenant: CityClient(host_of(tenant))


@pytest.fixture
def password() -> str:
    return PASSWORD


def _database_url_for_subprocess() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or "postgres"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real Celery worker process, on the same broker and the test database."""
    import subprocess
    import sys
    import time

    from portal.celery import app

    try:
        app.control.purge()  # tasks queued by earlier tests name rows that no longer exist
    except Exception:
        pass
    env = {**os.environ, "DATABASE_URL": _database_url_for_subprocess(), "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / "worker.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test-{os.getpid()}@%h"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        log.seek(0)
        if "ready." in log.read():
            break
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    else:
        proc.kill()
        log.seek(0)
        pytest.fail("Celery worker did not start:\n" + log.read()[-3000:])
    if proc.poll() is not None:
        log.seek(0)
        pytest.fail("Celery worker exited:\n" + log.read()[-3000:])
    proc.log_path = tmp_path / "worker.log"
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def cows(sim, riverton, lakeside, settings):
    """Riverton and Lakeside each talk to their own office in the running simulator."""
    settings.COWS_READ_TIMEOUT = 2.0
    settings.ACCOUNT_SNAPSHOT_FRESH_SECONDS = 60
    for city in (riverton, lakeside):
        city.tenant.cows_url = sim.office_url(city.tenant.slug)
        city.tenant.cows_api_key = sim.office_key(city.tenant.slug)
        city.tenant.save()
    from cows_bridge import health

    health._last_success_write.clear()
    return sim
