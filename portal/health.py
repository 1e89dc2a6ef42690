"""Health of the parts the portal needs: database, broker, worker (and each city's COWS link)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means unhealthy
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_broker() -> dict:
    from portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "transport": app.conf.broker_url.split(":", 1)[0]}


def check_worker() -> dict:
    """Informational: when a worker last ran the periodic heartbeat."""
    from .models import WorkerHeartbeat

    try:
        beat = WorkerHeartbeat.objects.filter(name="worker").first()
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    if beat is None:
        return {"ok": None, "last_heartbeat": None}
    fresh = timezone.now() - beat.beat_at < timedelta(minutes=2)
    return {"ok": fresh, "last_heartbeat": beat.beat_at.isoformat()}


def check_cows() -> dict:
    from .registry import health_checks

    check = health_checks.get("cows")
    return check() if check else {}


def check_all() -> dict:
    """Every part's health; the deployment is healthy when its database and broker are.

    One city's COWS link being down is that city's status (shown to its staff on the office
    Overview), not the deployment's: restarting the web tier would not bring an office's server back.
    """
    database = check_database()
    broker = check_broker()
    report = {"database": database, "broker": broker, "worker": check_worker() if database["ok"] else {}}
    report["cows"] = check_cows() if database["ok"] else {}
    report["status"] = "ok" if database["ok"] and broker["ok"] else "unhealthy"
    return report
