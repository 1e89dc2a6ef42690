"""What the demo city's office screens show, made through the real domain functions (safe to run again).

Run by manage.py seed_demo after the people and AutoPay demo (it needs the simulator's demo office):
paperless accounts and Email Bills (mail.py), deposits with an ACH return (deposits.py), a sent newsletter
campaign, and the seed's email delivered so the Email log shows it sent.

Email Events (Payment Due, Past Due) match an account's current due date: the simulator dates every
period's bills due on the 18th of the next month (a weekday), so in the demo Payment Due emails the
linked accounts three days before that 18th and Past Due the day after it, for those still owing; on
other days their runs send nothing (Email Events shows each run and what it sent). The seed prints those two days
(`email_events_line`): on a fresh demo generated on Dec 6, bills are due Dec 18, so Payment Due emails the
linked accounts that owe on Dec 15 and Past Due on Dec 19.
"""

from __future__ import annotations

from django.db import transaction

from portal.models import Tenant


def seed_office_demo(*, tenant: Tenant, clerk, resident) -> list[str]:
    """Paperless, deposits, Email Bills, a campaign, and their email delivered; returns lines to print."""
    from cows_bridge.errors import CowsError

    from .deposits import seed_deposits
    from .mail import deliver_and_finish, seed_bill_emails, seed_campaign, seed_paperless

    steps = (("paperless", lambda: [f"    {seed_paperless(tenant=tenant, user=resident)} paperless account(s) "
                                    f"of {resident.email}"]),
             ("deposits", lambda: seed_deposits(tenant=tenant)),
             ("Email Bills", lambda: [seed_bill_emails(tenant=tenant)]),
             ("campaign", lambda: [seed_campaign(tenant=tenant, clerk=clerk)]),
             ("Email Events", lambda: [email_events_line(tenant=tenant)]))
    lines = []
    for name, step in steps:
        try:
            with transaction.atomic():
                lines += step()
        except CowsError as exc:  # the simulator is down: the rest of the demo still comes up
            lines.append(f"    {name} demo skipped: the simulator could not be read ({exc})")
    counts = deliver_and_finish(tenant=tenant)
    lines.append(f"    {counts['sent']} emails delivered to var/mail/ (the Email log shows them)")
    return [line for line in lines if line]


def email_events_line(*, tenant: Tenant) -> str:
    """When the city's Payment Due and Past Due events next email the linked accounts that owe (a line to print)."""
    from datetime import date, timedelta

    from communications.events.models import EmailEvent
    from communications.events.services import city_events

    keys = tenant.linked_accounts.values_list("account_key", flat=True)
    dues = sorted({d for d in tenant.account_snapshots.filter(account_key__in=keys)
                   .values_list("data__due_date", flat=True) if d})
    if not dues:
        return ""
    due = date.fromisoformat(dues[-1])
    days = {e.kind: timedelta(days=e.days) for e in city_events(tenant=tenant)}
    return (f"    Email Events: bills due {due:%b %d}; Payment Due emails those who owe on "
            f"{due - days[EmailEvent.Kind.PAYMENT_DUE]:%b %d}, Past Due on {due + days[EmailEvent.Kind.PAST_DUE]:%b %d}")
