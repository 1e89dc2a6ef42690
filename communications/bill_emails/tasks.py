"""Email Bills' tasks: thin wrappers that open the city, then call runs.py."""

from __future__ import annotations

from celery import shared_task

from portal.tenant_work import opened, work_each


@shared_task(name="communications.bill_emails.tasks.send_bill_emails")
def send_bill_emails(run_id: int) -> str:
    """Work on one run (started by a close); when its budget runs out, the rest goes on in a new task."""
    from .models import BillEmailRun
    from .runs import work_on_run

    tenant_id = BillEmailRun.objects.values_list("tenant_id", flat=True).get(pk=run_id)
    with opened(tenant_id):
        outcome = work_on_run(run_id=run_id)
    if outcome == "more":
        send_bill_emails.delay(run_id)
    return outcome


@shared_task(name="communications.bill_emails.tasks.sweep_bill_emails")
def sweep_bill_emails() -> dict:
    """Beat, every minute: runs whose task was lost or whose PDFs are due another look, and missed closes."""
    from django.utils import timezone

    from .runs import due_runs, start_missed_runs, work_on_run

    now = timezone.now()
    start_missed_runs(now=now)
    return work_each(due_runs(now=now), lambda run_id: work_on_run(run_id=run_id, now=now), what="Email Bills run")
