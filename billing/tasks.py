"""Celery finds an app's tasks here; they live in the half that owns their work."""

from .accounts.tasks import poll_periods, sync_account_history  # noqa: F401
from .payments.tasks import find_returns, post_payment, post_waiting_payments  # noqa: F401
