"""What AutoPay hooks into: the period-close signal (automatic Schedule Payments), Utility Billing's account
cards ("Manage AutoPay" On/Off) and the wallet (deleting a method AutoPay charges turns that AutoPay off)."""

from __future__ import annotations

import logging

from django.db import transaction

from billing.accounts.periods import period_closed

logger = logging.getLogger(__name__)


def schedule_when_period_closes(sender, *, tenant, period_id, period_label, **kwargs) -> None:
    """The period's automatic Schedule Payments (the city's setting, on by default): a row due now, made with the
    close, and a worker asked for it on commit; beat's sweep retries it until it has run (autopay/after_close.py)."""
    from .after_close import start
    from .tasks import schedule_after_close

    row = start(tenant=tenant, period_id=period_id, period_label=period_label)
    if row is not None:
        transaction.on_commit(lambda: schedule_after_close.delay(row.pk))


def connect() -> None:
    from billing.accounts.extras import add_account_extras
    from billing.payments import wallet

    from portal.signals import connect_tenant_cache

    from . import flow, selectors
    from .models import AutoPaySettings

    period_closed.connect(schedule_when_period_closes, dispatch_uid="autopay-schedule-on-close")
    connect_tenant_cache(AutoPaySettings)  # a process's cached city carries its AutoPay settings too
    add_account_extras(selectors.account_extras)
    for hooks, fn in ((wallet.method_uses, selectors.uses_of_method), (wallet.method_deleting, flow.stop_for_method)):
        if fn not in hooks:
            hooks.append(fn)
