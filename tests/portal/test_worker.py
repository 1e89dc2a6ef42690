from portal.models import WorkerHeartbeat
from portal.tasks import heartbeat


def test_a_real_worker_runs_the_heartbeat_and_health_reports_it(celery_worker_process, client):
    result = heartbeat.delay()
    beat_at = result.get(timeout=60)
    row = WorkerHeartbeat.objects.get(name="worker")
    assert row.beat_at.isoformat() == beat_at
    report = client.get("/healthz", HTTP_HOST="localhost").json()
    assert report["worker"]["ok"] is True
