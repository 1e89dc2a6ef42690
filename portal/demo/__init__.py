"""What the demo city's office screens show, made through the real domain functions (safe to run again).

Run by manage.py seed_demo after the people and AutoPay demo (it needs the simulator's demo office):
paperless accounts and Email Bills (mail.py), deposits with an ACH return (deposits.py), a sent newsletter
campaign, and the seed's email delivered so the Email log shows it sent.

Email Events (Payment Due, Past Due) match an account's current due date: the simulator dates every
period's bills due on the 18th of the next month (a weekday), so in the demo Payment Due emails the
linked accounts three days before that 18th and Past Due the day after it, for those still owing; on
other days their runs send nothing, and "Run now" shows that count.
"""

from __future__ import annotations

from django.db import transaction

from portal.models import Tenant


def seed_office_demo(*, tenant: Tenant, clerk, resident) -> list[str]:
    """Paperless, deposits, Email Bills, a campaign, and their email delivered; returns lines to print."""
    from .deposits import seed_deposits
    from .mail import deliver_and_finish, seed_bill_emails, seed_campaign, seed_paperless

    lines = []
    with transaction.atomic():
        paperless = seed_paperless(tenant=tenant, user=resident)
    lines.append(f"    {paperless} paperless account(s) of {resident.email}")
    with transaction.atomic():
        lines += seed_deposits(tenant=tenant)
    with transaction.atomic():
        lines.append(seed_bill_emails(tenant=tenant))
    with transaction.atomic():
        lines.append(seed_campaign(tenant=tenant, clerk=clerk))
    counts = deliver_and_finish(tenant=tenant)
    lines.append(f"    {counts['sent']} emails delivered to var/mail/ (the Email log shows them)")
    return [line for line in lines if line]
