from celery import shared_task
from django.utils import timezone

from .models import WorkerHeartbeat


@shared_task
def heartbeat(name: str = "worker") -> str:
    """Record that a worker is alive and consuming the queue."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": now})
    return now.isoformat()
