"""AutoPay's tasks: thin wrappers that open the city, then call the domain functions."""

from __future__ import annotations

import logging

from celery import shared_task

from portal.tenant_work import active_tenants, opened, work_each, working_for

logger = logging.getLogger(__name__)


@shared_task(name="autopay.tasks.run_autopay")
def run_autopay() -> dict:
    """Beat, every minute: each city's due charges (from its charge hour), stuck ones, reminders, expiry notices."""
    from django.utils import timezone

    from . import charging, notices

    done = {}
    for tenant in active_tenants():
        with working_for(tenant):
            try:
                today = timezone.localdate()
                done[tenant.slug] = {"recovered": charging.recover(tenant=tenant),
                                     "charged": charging.charge_due(tenant=tenant),
                                     "reminders": notices.send_reminders(tenant=tenant, today=today),
                                     "expiry": notices.send_expiry_notices(tenant=tenant, today=today)}
            except Exception:  # one city's trouble must not stop the others' AutoPay
                logger.exception("AutoPay sweep failed for a city")
                done[tenant.slug] = "failed"
    return done


@shared_task(name="autopay.tasks.charge_scheduled")
def charge_scheduled(scheduled_id: int) -> str:
    """Charge one row now (the rules said "now" at enrolling); a no-op when someone else has it."""
    from .charging import charge_now
    from .models import ScheduledPayment

    tenant_id = ScheduledPayment.objects.values_list("tenant_id", flat=True).get(pk=scheduled_id)
    with opened(tenant_id):
        return charge_now(scheduled_id=scheduled_id).state


@shared_task(name="autopay.tasks.send_notice", autoretry_for=(ConnectionError, OSError), retry_backoff=60,
             max_retries=5)
def send_notice(kind: str, enrollment_id: int, scheduled_id: int | None, extra: dict, key: str | None = None) -> bool:
    """Send one AutoPay email."""
    from .models import Enrollment
    from .notices import send_notice as send

    tenant_id = Enrollment.objects.values_list("tenant_id", flat=True).get(pk=enrollment_id)
    with opened(tenant_id):
        return send(kind=kind, enrollment_id=enrollment_id, scheduled_id=scheduled_id, extra=extra, key=key)


@shared_task(name="autopay.tasks.schedule_after_close")
def schedule_after_close(automatic_id: int) -> str:
    """The automatic Schedule Payments of one closed period (its AutomaticSchedule row), tried once now."""
    from .after_close import work
    from .models import AutomaticSchedule

    tenant_id = AutomaticSchedule.objects.filter(pk=automatic_id).values_list("tenant_id", flat=True).first()
    if tenant_id is None:
        return "gone"
    with opened(tenant_id):
        return work(row_id=automatic_id)


@shared_task(name="autopay.tasks.schedule_waiting")
def schedule_waiting() -> dict:
    """Beat, every minute: automatic Schedule Payments whose try has come (Caselle was down, a task was lost),
    and closes whose signal was lost."""
    from django.utils import timezone

    from .after_close import due, start_missed, work

    now = timezone.now()
    start_missed(now=now)
    return work_each(due(now=now), lambda row_id: work(row_id=row_id, now=now), what="automatic Schedule Payments")


@shared_task(name="autopay.tasks.send_invitation", autoretry_for=(ConnectionError, OSError), retry_backoff=60,
             max_retries=5)
def send_invitation(invitation_id: int) -> bool:
    """Send the office's AutoPay invitation email."""
    from .invitations import send_invitation_email
    from .models import Invitation

    invitation = Invitation.objects.select_related("tenant").get(pk=invitation_id)
    with opened(invitation.tenant_id):
        return send_invitation_email(invitation=invitation)
