"""The Celery app: settings under the CELERY_ namespace, tasks found in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 30.0},
    "probe-cows-links": {"task": "cows_bridge.tasks.probe_links", "schedule": 60.0},
    "poll-billing-periods": {"task": "billing.tasks.poll_periods", "schedule": 60.0},
    "post-waiting-payments": {"task": "billing.tasks.post_waiting_payments", "schedule": 20.0},
    "deliver-waiting-email": {"task": "communications.outbox.deliver_waiting", "schedule": 15.0},
    "run-autopay": {"task": "autopay.tasks.run_autopay", "schedule": 60.0},
    "schedule-autopay-after-close": {"task": "autopay.tasks.schedule_waiting", "schedule": 60.0},
    "resume-stalled-campaigns": {"task": "communications.campaigns.tasks.resume_stalled_campaigns", "schedule": 30.0},
    "deliver-waiting-texts": {"task": "communications.texts.tasks.deliver_waiting_texts", "schedule": 60.0},
    "send-bill-emails": {"task": "communications.bill_emails.tasks.sweep_bill_emails", "schedule": 60.0},
    "fire-email-events": {"task": "communications.events.tasks.fire_due_events", "schedule": 60.0},
    "forget-old-link-attempts": {"task": "customers.tasks.forget_old_link_attempts", "schedule": 24 * 3600.0},
    "find-ach-returns": {"task": "billing.tasks.find_returns", "schedule": 24 * 3600.0},
}
