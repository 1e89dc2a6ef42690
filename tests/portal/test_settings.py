"""Production settings: start-up refuses bad or missing values, and the deploy check passes."""

import os
import subprocess
import sys

import pytest

PROD = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x7" * 20 + "-k3y-for-tests-only-9a8b7c6d5e4f",
    "BASE_DOMAIN": "portal.example.org",
    "DATABASE_URL": "postgres://portal@db.internal:5432/portal",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "EMAIL_HOST": "smtp.example.org",
    "FIELD_ENCRYPTION_KEY": "chHPb9y1unCTqeU0GuRoeCsDCXDeu_hR5OFO54Pz7kw=",
}


def run_manage(tmp_path, env_overrides, *args):
    env = {k: v for k, v in os.environ.items() if k not in PROD and k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"VAR_DIR": str(tmp_path), **env_overrides})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "manage.py", *args], env=env, capture_output=True, text=True, timeout=120)


def test_production_passes_the_deploy_check(tmp_path):
    out = run_manage(tmp_path, PROD, "check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "BASE_DOMAIN", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST",
                                     "FIELD_ENCRYPTION_KEY"])
def test_production_without_a_required_setting_stops_naming_it(tmp_path, missing):
    out = run_manage(tmp_path, {**PROD, missing: None}, "check")
    assert out.returncode != 0
    assert f"{missing} must be set" in out.stderr


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("DJANGO_SECRET_KEY", "short", "DJANGO_SECRET_KEY must be at least 50"),
        ("DJANGO_SECRET_KEY", "change-me-to-at-least-fifty-random-characters-0123456789",
         "DJANGO_SECRET_KEY is the example value"),
        ("DJANGO_SECRET_KEY", "Xq9-CHANGE-ME-" + "k7Pz2" * 10, "DJANGO_SECRET_KEY is the example value"),
        ("DATABASE_URL", "notaurl", "DATABASE_URL is not a valid database URL"),
        ("REDIS_URL", "http://cache:6379", "REDIS_URL must start with redis://"),
        ("DJANGO_DEBUG", "true", "DJANGO_DEBUG must be off"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT must be a whole number"),
        ("BASE_DOMAIN", "https://portal.example.org/", "BASE_DOMAIN must be a bare host name"),
        ("PUBLIC_PORT", ":8000", "PUBLIC_PORT must be a port number"),
    ],
)
def test_production_with_a_bad_setting_stops_naming_it(tmp_path, name, value, message):
    out = run_manage(tmp_path, {**PROD, name: value}, "check")
    assert out.returncode != 0
    assert message in out.stderr


def test_development_needs_nothing_and_keeps_its_generated_secret_key(tmp_path):
    first = run_manage(tmp_path, {}, "check")
    assert first.returncode == 0, first.stderr
    key = (tmp_path / "secret_key").read_text()
    run_manage(tmp_path, {}, "check")
    assert (tmp_path / "secret_key").read_text() == key and len(key) >= 50
