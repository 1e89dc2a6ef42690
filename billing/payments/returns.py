"""ACH returns: a bank debit that settled, then came back from the customer's bank (R01 insufficient funds...).

A return is a negative line in a later deposit (deposits/). `find_returns` reads the deposits of the
last RETURN_WINDOW days of each of the city's paying accounts, once a day from beat, and applies
each return line once: the payment moves to "returned" through the state machine with the provider
as actor, and in the same transaction the customer and the city's office admins are emailed through
the outbox (keys of their own, so a second sweep queues nothing). A receipt already posted to Cash
Receipting stays posted: the office reverses it in Caselle, as the notice says. Items still waiting
to post are not posted any more.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal.models import Tenant

from . import states
from .deposits import DepositsUnavailable, ProviderLine, read_provider_deposit
from .models import Payment, PaymentItem
from .provider_account import ProviderAccount

logger = logging.getLogger(__name__)
RETURN_WINDOW = 7  # days of deposits read each time: a missed day or two is caught up
ACCOUNTS_SINCE = timedelta(days=90)  # accounts that took a payment this recently are asked


def _money(value) -> str:
    return f"${value:,.2f}"


def _posting_note(payment: Payment, items: list[PaymentItem]) -> str:
    posted = [i for i in items if i.post_state == PaymentItem.PostState.POSTED]
    if not posted:
        return _("It had not been posted to Cash Receipting, and it will not be: nothing to reverse in Caselle.")
    numbers = ", ".join(i.confirmation_number for i in posted if i.confirmation_number)
    return _("It was posted to Cash Receipting (confirmation number(s): %(numbers)s) and stays posted there: "
             "reverse the receipt in Caselle.") % {"numbers": numbers or "—"}


def _notify(payment: Payment, items: list[PaymentItem], *, reason: str) -> None:
    """Queue the customer's email and the office's notice, with the return (inside its transaction)."""
    from communications.mailing import office_contact
    from communications.outbox import queue_templated
    from customers.models import Membership
    from customers.notifications import Category

    tenant = payment.tenant
    paid = timezone.localtime(payment.charged_at or payment.created_at, tenant.zone)
    context = {"city": tenant.name, "name": payment.payer_name or payment.payer_email, "total": _money(payment.total),
               "method": payment.method_label, "date": formats.date_format(paid, "M j, Y"),
               "reference": payment.reference, "reason": reason, "office_contact": office_contact(tenant)}
    key = f"payment-returned:{payment.pk}"
    queue_templated(tenant=tenant, kind="payment_returned", to=[payment.payer_email] if payment.payer_email else [],
                    context=context, key=key, category=Category.TRANSACTIONAL, user=payment.user,
                    source=f"payment:{payment.pk}")
    admins = (tenant.memberships.filter(role=Membership.Role.OFFICE_ADMIN, user__is_active=True)
              .order_by("user__email").values_list("user__email", flat=True))
    items_text = "\n".join(f"- {i.label}: {_money(i.amount)}" for i in items)
    queue_templated(tenant=tenant, kind="payment_returned_office", to=list(admins),
                    context={**context, "items": items_text, "posting": _posting_note(payment, items)},
                    key=f"{key}:office", category=Category.TRANSACTIONAL, source=f"payment:{payment.pk}")


def apply_return(*, tenant: Tenant, account: ProviderAccount, line: ProviderLine) -> Payment | None:
    """Mark the payment of one return line returned and tell its customer and the office, once; None if nothing moved."""
    payment = (tenant.payments.filter(provider_account=account, provider_payment_id=line.payment_id)
               .select_related("tenant", "user").first()) if line.payment_id else None
    if payment is None:
        logger.warning("a returned payment the portal does not know", extra={"provider_ref": line.provider_reference})
        return None
    if not states.can_move(payment, Payment.State.RETURNED):
        return None  # returned already (an earlier sweep), or refunded
    reason = line.description or _("Returned by the bank")
    with transaction.atomic():
        try:
            states.transition(payment, Payment.State.RETURNED, actor=states.Actor.provider(account.provider),
                              reason=_("returned by the bank: %(reason)s (%(ref)s)") % {
                                  "reason": reason, "ref": line.provider_reference},
                              returned_at=timezone.now(), return_reason=reason[:120])
        except states.StateChanged:
            return None  # another sweep got there first
        # Not yet posted: never post it now (an item a worker holds right now is left to it).
        now = timezone.now()
        payment.items.filter(post_state=PaymentItem.PostState.WAITING).exclude(claimed_until__gt=now).update(
            post_state=PaymentItem.PostState.VOID, last_error=_("returned by the bank before it was posted"),
            next_attempt_at=None)
        _notify(payment, list(payment.items.order_by("id")), reason=reason)
    logger.info("payment returned by the bank", extra={"reference": payment.reference})
    return payment


def paying_accounts(*, tenant: Tenant, today: date) -> list[ProviderAccount]:
    """The city's accounts that took a bank payment lately: the ones whose deposits may hold returns."""
    since = datetime.combine(today - ACCOUNTS_SINCE, time.min, tzinfo=tenant.zone)
    ids = (tenant.payments.filter(method_kind="ach", charged_at__gte=since, provider_account__isnull=False)
           .values_list("provider_account_id", flat=True).distinct())
    return list(tenant.provider_accounts.filter(pk__in=ids, provider__in=("sandbox", "stripe")).order_by("id"))


def find_returns(*, tenant: Tenant, today: date | None = None) -> list[str]:
    """Read the last RETURN_WINDOW days' deposits of each paying account and apply their returns; the references returned."""
    today = today or timezone.localdate(timezone=tenant.zone)
    done = []
    for account in paying_accounts(tenant=tenant, today=today):
        for back in range(RETURN_WINDOW - 1, -1, -1):
            try:
                deposit = read_provider_deposit(tenant=tenant, account=account, deposit_date=today - timedelta(back))
            except DepositsUnavailable:
                logger.warning("could not read deposits for returns", exc_info=True)
                break
            for line in (deposit.lines if deposit else []):
                if line.kind == "return" and (payment := apply_return(tenant=tenant, account=account, line=line)):
                    done.append(payment.reference)
    return done
