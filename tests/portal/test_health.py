"""/healthz: ok or unhealthy for anyone, details only with the HEALTH_TOKEN; one city's COWS is that city's."""

import pytest

from cows_bridge.health import record_failure
from portal.celery import app

TOKEN = "health-token-for-tests"


@pytest.fixture
def details(settings):
    """Headers that show the details."""
    settings.HEALTH_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def test_health_is_ok_with_database_and_broker(db, client, details):
    response = client.get("/healthz", HTTP_HOST="localhost", **details)
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["ok"] and report["broker"]["ok"]


def test_the_public_sees_only_ok(riverton, client, details):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = client.get("/healthz", HTTP_HOST="localhost", **headers)
        assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_without_a_token_configured_no_one_sees_the_details(riverton, client, settings):
    settings.HEALTH_TOKEN = ""
    response = client.get("/healthz", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer ")
    assert response.json() == {"status": "ok"}


def test_health_answers_on_a_city_host_too(riverton, client):
    assert client.get("/healthz", HTTP_HOST="riverton.localhost").status_code == 200


def test_health_is_503_when_the_broker_is_unreachable(db, client, details):
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        public = client.get("/healthz", HTTP_HOST="localhost")
        response = client.get("/healthz", HTTP_HOST="localhost", **details)
    finally:
        app.conf.broker_url = saved
    assert public.status_code == 503 and public.json() == {"status": "unhealthy"}
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_one_citys_cows_outage_is_that_citys_status_not_the_deployments(
        riverton, lakeside, client, details, client_for):
    for city in (riverton, lakeside):
        city.tenant.cows_url = f"http://127.0.0.1:1/{city.tenant.slug}"
        city.tenant.save()
    for _ in range(3):
        record_failure(riverton.tenant, "connection refused")
    response = client.get("/healthz", HTTP_HOST="localhost", **details)
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.json()["cows"]["riverton"]["ok"] is False
    assert client.get("/healthz", HTTP_HOST="localhost").json() == {"status": "ok"}

    riverton_office = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    lakeside_office = client_for(lakeside.clerk, lakeside.tenant).get("/office/").content.decode()
    assert "The link to your billing system (Caselle) is down" in riverton_office
    assert "The link to your billing system (Caselle) is down" not in lakeside_office


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    """A real process whose database server is not there (nothing listens on port 1)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere", "VAR_DIR": str(tmp_path),
           "HEALTH_TOKEN": TOKEN}
    code = ("import django, json; django.setup(); from django.test import Client; c = Client(); "
            "r = c.get('/healthz', HTTP_HOST='localhost'); print(r.status_code, json.dumps(r.json())); "
            f"r = c.get('/healthz', HTTP_HOST='localhost', HTTP_AUTHORIZATION='Bearer {TOKEN}'); "
            "print(r.status_code, json.dumps(r.json()))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    public, detailed = out.stdout.strip().splitlines()[-2:]
    assert public == '503 {"status": "unhealthy"}', out.stderr[-2000:]
    status, _, body = detailed.partition(" ")
    assert status == "503"
    assert json.loads(body)["database"]["ok"] is False
