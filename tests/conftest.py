"""Two cities and named people, shared by every test.

Riverton: Rosa (resident), Carl (clerk, office admin), Larry (landlord).
Lakeside: Lena (resident), Lars (clerk).
The clerks have set up their authenticator app (factories.give_totp, secret factories.TOTP_SECRET):
office screens open only for an office admin who has. Make another admin with ``make_office_admin``.
Each city talks to its own office in the running Caselle simulator (``cows``); ``account`` is the
first of Riverton's sample accounts, linked to Rosa; ``own_office`` points a city at a fresh office
of the test's own. Celery workers are real processes (``celery_workers``).
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

from .factories import PASSWORD, MembershipFactory, TenantFactory, UserFactory, give_totp

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    """Passwords are hashed with Django's quick test hasher: a real one costs a third of a second of CPU
    by design, and the named people of each test need four. Sign-in checks them just the same."""
    from django.conf import settings
    from django.contrib.auth import hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    hashers.get_hashers.cache_clear()
    hashers.get_hashers_by_algorithm.cache_clear()


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


@pytest.fixture
def eager_tasks():
    """Celery tasks queued by the code under test (the automatic run, an invitation email…) run at once, here."""
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads and cached PDFs of a test stay in its own folders (public media, private files)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_FILES_ROOT = str(tmp_path / "private")


@pytest.fixture(autouse=True)
def _mail_delivered_at_once(settings):
    """Queued email is delivered in the test's own process, so `mail.outbox` shows it at once; tests of the
    outbox's worker side (and the smtp_sink fixture's tests with real workers) set OUTBOX_DELIVERY back."""
    settings.OUTBOX_DELIVERY = "inline"


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


def make_office_admin(tenant, user, *, mfa: bool = True):
    """The person becomes an office admin of the city (a membership made or upgraded), with their
    authenticator app set up unless ``mfa=False`` (then every office screen sends them to set it up)."""
    Membership.objects.update_or_create(tenant=tenant, user=user, defaults={"role": Membership.Role.OFFICE_ADMIN})
    if mfa:
        give_totp(user)
    return user


@pytest.fixture
def riverton(db) -> City:
    tenant = TenantFactory(slug="riverton", name="City of Riverton")
    rosa = UserFactory(email="rosa@example.org", first_name="Rosa")
    carl = UserFactory(email="carl@riverton.example", first_name="Carl")
    MembershipFactory(tenant=tenant, user=rosa)
    make_office_admin(tenant, carl)
    return City(tenant, rosa, carl)


@pytest.fixture
def lakeside(db) -> City:
    tenant = TenantFactory(slug="lakeside", name="Town of Lakeside", time_zone="America/Chicago")
    lena = UserFactory(email="lena@example.org", first_name="Lena")
    lars = UserFactory(email="lars@lakeside.example", first_name="Lars")
    MembershipFactory(tenant=tenant, user=lena)
    make_office_admin(tenant, lars)
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
def celery_workers(transactional_db, tmp_path):
    """Start real Celery worker processes on the same broker and the test database, one per call.

    The queue is purged first (tasks queued by earlier tests name rows that no longer exist); every
    worker started is stopped at the end. Each process has ``log_path``, its log file.
    """
    import subprocess
    import sys
    import time

    from portal.celery import app

    app.control.purge()
    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": _database_url_for_subprocess(), "PYTHONUNBUFFERED": "1"}
        log_path = tmp_path / f"worker-{len(started)}.log"
        log = open(log_path, "w+")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"test-{os.getpid()}-{len(started)}@%h"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)
        proc.log_path = log_path
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            log.seek(0)
            if "ready." in log.read():
                return proc
            time.sleep(0.1)
        log.seek(0)
        pytest.fail("Celery worker did not start:\n" + log.read()[-3000:])

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
    for proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def celery_worker_process(celery_workers):
    """One real Celery worker process, on the same broker and the test database."""
    return celery_workers()


def wait_for(condition, *, timeout: float = 45.0, what: str) -> None:
    """Poll until ``condition()`` holds (a worker, a server in another process); fail naming ``what``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def connect_to_office(city, sim, slug: str) -> None:
    """The city's COWS settings point at one office of the running simulator."""
    city.tenant.cows_url = sim.office_url(slug)
    city.tenant.cows_api_key = sim.office_key(slug)
    city.tenant.save()


@pytest.fixture
def cows(sim, riverton, lakeside, settings):
    """Riverton and Lakeside each talk to their own office in the running simulator."""
    settings.COWS_READ_TIMEOUT = 2.0
    settings.ACCOUNT_SNAPSHOT_FRESH_SECONDS = 60
    for city in (riverton, lakeside):
        connect_to_office(city, sim, city.tenant.slug)
    from cows_bridge import health

    health._last_success_write.clear()
    return sim


@pytest.fixture
def own_office(cows):
    """``own_office(city, slug, customers=40, seed=11)``: the city talks to a fresh office of this test's
    own (key ``<slug>-key``), so everything in it (receipts, periods) is the test's alone; returns the simulator."""

    def make(city, slug: str, *, customers: int = 40, seed: int = 11):
        cows.own_office(slug, customers=customers, seed=seed, name=city.tenant.name)
        connect_to_office(city, cows, slug)
        return cows

    return make


def link_sample(sim, city, index: int = 0, *, user=None) -> str:
    """Link one of the sample accounts of the office the city talks to, to a person of the city (its
    resident unless told); returns its account key."""
    from customers.linking import link_account

    s = sim.samples(city.tenant.cows_url.rstrip("/").rsplit("/", 1)[1])[index]
    link_account(tenant=city.tenant, user=user or city.resident, customer_number=s["customer_number"],
                 last_name=s["last_name"])
    return s["customer_number"].replace("-", "")


@pytest.fixture
def account(cows, riverton) -> str:
    """The key of a Riverton account that Rosa has linked (the simulator's first sample)."""
    return link_sample(cows, riverton)
