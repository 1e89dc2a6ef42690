"""Linking a utility account: a customer number plus the last name or the last billed amount.

Guessing is limited per user and per client IP. Every outcome that reveals nothing about
an account says the same thing, whether the number or the second factor was wrong.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.accounts.snapshots import store_summary
from cows_bridge import client as cows
from cows_bridge.errors import CowsError, CowsNotFound, CowsUnavailable
from cows_bridge.types import AccountSummary, normalize_customer_number
from portal.models import Tenant

from .models import LinkAttempt, LinkedAccount, User

logger = logging.getLogger(__name__)

USER_LIMIT = (5, timedelta(minutes=15))
IP_LIMIT = (20, timedelta(hours=1))
COUNTED = (LinkAttempt.Outcome.PENDING, LinkAttempt.Outcome.FAILED)


class LinkError(Exception):
    code = "error"


class NoMatch(LinkError):
    code = "no_match"


class TooManyAttempts(LinkError):
    code = "too_many"


class OfficeUnavailable(LinkError):
    code = "unavailable"


class AlreadyLinked(LinkError):
    code = "already_linked"

    def __init__(self, link: LinkedAccount):
        super().__init__("already linked")
        self.link = link


@dataclass(frozen=True)
class LinkResult:
    link: LinkedAccount
    summary: AccountSummary


def normalize_last_name(value: str) -> str:
    return " ".join((value or "").split()).casefold()


def _matches(summary: AccountSummary, *, last_name: str, last_billed_amount: Decimal | None) -> bool:
    checks = []
    if last_name.strip():
        checks.append(normalize_last_name(summary.last_name) == normalize_last_name(last_name))
    if last_billed_amount is not None:
        checks.append(summary.last_billed_amount is not None and summary.last_billed_amount == last_billed_amount)
    return bool(checks) and all(checks)


def _over_limit(tenant: Tenant, *, user: User, client_ip: str | None, now) -> bool:
    """Counts committed attempts, this one included: concurrent guesses cannot slip past the limit."""
    user_count, user_window = USER_LIMIT
    attempts = tenant.link_attempts.filter(outcome__in=COUNTED)
    if attempts.filter(user=user, attempted_at__gt=now - user_window).count() > user_count:
        return True
    ip_count, ip_window = IP_LIMIT
    if client_ip and attempts.filter(client_ip=client_ip, attempted_at__gt=now - ip_window).count() > ip_count:
        return True
    return False


def link_account(*, tenant: Tenant, user: User, customer_number: str, last_name: str = "",
                 last_billed_amount: Decimal | None = None, client_ip: str | None = None) -> LinkResult:
    """Link the account when the office's records confirm the second factor; raise a LinkError otherwise."""
    key = normalize_customer_number(customer_number)
    existing = tenant.linked_accounts.filter(user=user, account_key=key).first() if key else None
    if existing is not None:
        raise AlreadyLinked(existing)

    now = timezone.now()
    # Written (and committed) before anything is checked, then counted.
    attempt = tenant.link_attempts.create(user=user, client_ip=client_ip, attempted_at=now)
    if _over_limit(tenant, user=user, client_ip=client_ip, now=now):
        LinkAttempt.objects.filter(pk=attempt.pk).update(outcome=LinkAttempt.Outcome.BLOCKED)
        logger.warning("link attempts over the limit", extra={"user_id": user.id, "client_ip": client_ip})
        raise TooManyAttempts("too many attempts")

    try:
        summary = cows.get_account(tenant, key) if key else None
    except CowsNotFound:
        summary = None
    except (CowsUnavailable, CowsError):
        LinkAttempt.objects.filter(pk=attempt.pk).update(outcome=LinkAttempt.Outcome.UNAVAILABLE)
        raise OfficeUnavailable("COWS unavailable") from None

    if summary is None or not _matches(summary, last_name=last_name, last_billed_amount=last_billed_amount):
        LinkAttempt.objects.filter(pk=attempt.pk).update(outcome=LinkAttempt.Outcome.FAILED)
        raise NoMatch("no match")

    try:
        with transaction.atomic():
            link = tenant.linked_accounts.create(user=user, account_key=summary.key,
                                                 customer_number=summary.customer_number)
    except IntegrityError:  # the same user linked it in another tab a moment ago
        LinkAttempt.objects.filter(pk=attempt.pk).update(outcome=LinkAttempt.Outcome.LINKED)
        raise AlreadyLinked(tenant.linked_accounts.get(user=user, account_key=summary.key)) from None
    LinkAttempt.objects.filter(pk=attempt.pk).update(outcome=LinkAttempt.Outcome.LINKED)
    store_summary(tenant=tenant, summary=summary)
    logger.info("account linked", extra={"user_id": user.id, "account": summary.customer_number})
    return LinkResult(link=link, summary=summary)


def unlink_account(*, link: LinkedAccount, acting_user: User) -> None:
    """Remove one user's link to an account; other users' links to it stay."""
    logger.info("account unlinked", extra={"user_id": link.user_id, "account": link.customer_number,
                                           "acting_user_id": acting_user.id})
    link.delete()
