from portal.models import WorkerHeartbeat
from portal.tasks import heartbeat


def test_a_real_worker_runs_the_heartbeat_and_health_reports_it(celery_worker_process, client, settings):
    settings.HEALTH_TOKEN = "t0ken"
    result = heartbeat.delay()
    beat_at = result.get(timeout=60)
    row = WorkerHeartbeat.objects.get(name="worker")
    assert row.beat_at.isoformat() == beat_at
    report = client.get("/healthz", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer t0ken").json()
    assert report["worker"]["ok"] is True
