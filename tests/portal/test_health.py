from portal.celery import app


def test_health_is_ok_with_database_and_broker(db, client):
    response = client.get("/healthz", HTTP_HOST="localhost")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["ok"] and report["broker"]["ok"]


def test_health_answers_on_a_city_host_too(riverton, client):
    assert client.get("/healthz", HTTP_HOST="riverton.localhost").status_code == 200


def test_health_is_503_when_the_broker_is_unreachable(db, client):
    saved = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz", HTTP_HOST="localhost")
    finally:
        app.conf.broker_url = saved
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    """A real process whose database server is not there (nothing listens on port 1)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere", "VAR_DIR": str(tmp_path)}
    code = ("import django, json; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz', HTTP_HOST='localhost'); print(r.status_code, json.dumps(r.json()))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    status, _, body = out.stdout.strip().splitlines()[-1].partition(" ")
    assert status == "503", out.stderr[-2000:]
    assert json.loads(body)["database"]["ok"] is False
