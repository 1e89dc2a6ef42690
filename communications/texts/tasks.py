"""Delivering queued texts (asked for after each queuing commit, and swept by beat for retries)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def deliver_texts() -> int:
    """Send the texts waiting now."""
    return services.deliver_waiting()
