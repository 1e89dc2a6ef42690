"""Linking a utility account: a customer number plus the last name or the last billed amount.

Guessing is limited per user and per client IP. Every outcome that reveals nothing about
an account says the same thing, whether the number or the second factor was wrong; the
attempt row keeps what was typed and why it failed, for the office's eyes only.
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


def _mismatch(summary: AccountSummary, *, last_name: str, last_billed_amount: Decimal | None) -> str:
    """Why the second factor does not match the account (a LinkAttempt.Reason), or "" when it does."""
    R = LinkAttempt.Reason
    if not last_name.strip() and last_billed_amount is None:
        return R.NAME
    if last_name.strip() and normalize_last_name(summary.last_name) != normalize_last_name(last_name):
        return R.NAME
    if last_billed_amount is not None and summary.last_billed_amount != last_billed_amount:
        return R.AMOUNT
    return ""


def _factor(*, last_name: str, last_billed_amount: Decimal | None) -> str:
    F = LinkAttempt.Factor
    if last_name.strip() and last_billed_amount is not None:
        return F.BOTH
    return F.AMOUNT if last_billed_amount is not None else F.LAST_NAME


def _finish(attempt: LinkAttempt, outcome: str, reason: str = "", caselle_last_name: str = "") -> None:
    LinkAttempt.objects.filter(pk=attempt.pk).update(outcome=outcome, reason=reason,
                                                     caselle_last_name=caselle_last_name[:150])


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
    O, R = LinkAttempt.Outcome, LinkAttempt.Reason
    # Written (and committed) before anything is checked, then counted.
    attempt = tenant.link_attempts.create(
        user=user, client_ip=client_ip, attempted_at=now, customer_number=(customer_number or "").strip()[:30],
        account_key=key[:20], factor=_factor(last_name=last_name, last_billed_amount=last_billed_amount),
        tried_last_name=" ".join((last_name or "").split())[:100], tried_amount=last_billed_amount)
    if _over_limit(tenant, user=user, client_ip=client_ip, now=now):
        _finish(attempt, O.BLOCKED, R.RATE_LIMITED)
        logger.warning("link attempts over the limit", extra={"user_id": user.id, "client_ip": client_ip})
        raise TooManyAttempts("too many attempts")

    try:
        summary = cows.get_account(tenant, key) if key else None
    except CowsNotFound:
        summary = None
    except (CowsUnavailable, CowsError):
        _finish(attempt, O.UNAVAILABLE, R.UNAVAILABLE)
        raise OfficeUnavailable("COWS unavailable") from None

    if summary is None:
        _finish(attempt, O.FAILED, R.NO_ACCOUNT)
        raise NoMatch("no match")
    mismatch = _mismatch(summary, last_name=last_name, last_billed_amount=last_billed_amount)
    if mismatch:
        _finish(attempt, O.FAILED, mismatch, summary.last_name)
        raise NoMatch("no match")

    try:
        link = _create_link(tenant=tenant, user=user, summary=summary)
    finally:
        _finish(attempt, O.LINKED)
    logger.info("account linked", extra={"user_id": user.id, "account": summary.customer_number})
    return LinkResult(link=link, summary=summary)


def _create_link(*, tenant: Tenant, user: User, summary: AccountSummary) -> LinkedAccount:
    try:
        with transaction.atomic():
            link = tenant.linked_accounts.create(user=user, account_key=summary.key,
                                                 customer_number=summary.customer_number)
    except IntegrityError:  # the same user linked it in another tab a moment ago
        raise AlreadyLinked(tenant.linked_accounts.get(user=user, account_key=summary.key)) from None
    store_summary(tenant=tenant, summary=summary)
    return link


def link_for_user(*, tenant: Tenant, user: User, customer_number: str, acting_user: User) -> LinkResult:
    """The office links an account to a member of the city whose identity it checked: no second factor."""
    key = normalize_customer_number(customer_number)
    existing = tenant.linked_accounts.filter(user=user, account_key=key).first() if key else None
    if existing is not None:
        raise AlreadyLinked(existing)
    try:
        summary = cows.get_account(tenant, key) if key else None
    except CowsNotFound:
        summary = None
    except (CowsUnavailable, CowsError):
        raise OfficeUnavailable("COWS unavailable") from None
    if summary is None:
        raise NoMatch("no such account")
    link = _create_link(tenant=tenant, user=user, summary=summary)
    logger.info("account linked by the office", extra={"user_id": user.id, "account": summary.customer_number,
                                                       "acting_user_id": acting_user.id})
    return LinkResult(link=link, summary=summary)


def unlink_account(*, link: LinkedAccount, acting_user: User) -> None:
    """Remove one user's link to an account; other users' links to it stay."""
    logger.info("account unlinked", extra={"user_id": link.user_id, "account": link.customer_number,
                                           "acting_user_id": acting_user.id})
    link.delete()


ATTEMPTS_KEPT = timedelta(days=90)


def forget_old_attempts(*, now=None) -> int:
    """Delete link attempts older than 90 days (what people typed and Caselle's names are not kept longer)."""
    cutoff = (now or timezone.now()) - ATTEMPTS_KEPT
    deleted, _by_model = LinkAttempt.objects.filter(attempted_at__lt=cutoff).delete()
    if deleted:
        logger.info("old link attempts forgotten", extra={"count": deleted})
    return deleted
