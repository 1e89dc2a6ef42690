"""Customers' tasks: thin wrappers around the domain functions."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="customers.tasks.forget_old_link_attempts")
def forget_old_link_attempts() -> int:
    """Beat, daily: link attempts older than 90 days are deleted, in every city."""
    from .linking import forget_old_attempts

    return forget_old_attempts()
