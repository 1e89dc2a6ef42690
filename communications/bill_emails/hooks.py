"""What Email Bills hooks into: the period-close signal of billing/accounts/periods.py."""

from __future__ import annotations

from django.db import transaction

from billing.accounts.periods import period_closed


def start_when_period_closes(sender, *, tenant, period_id, period_label, **kwargs) -> None:
    """Start the period's run (once) and ask a worker for it when the close is committed."""
    from .runs import start_run
    from .tasks import send_bill_emails

    run = start_run(tenant=tenant, period_id=period_id, period_label=period_label)
    if run is not None:
        transaction.on_commit(lambda: send_bill_emails.delay(run.pk))


def connect() -> None:
    period_closed.connect(start_when_period_closes, dispatch_uid="bill-emails-on-close")
