"""What the customer's AutoPay pages read: one account's AutoPay, a line per account's card, a method's uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.urls import reverse
from django.utils.translation import gettext as _, ngettext

from billing.accounts.extras import AccountExtra
from billing.formatting import money
from billing.payments.models import PaymentMethod
from billing.payments.providers import payment_settings
from portal.models import Tenant

from .models import Enrollment, ScheduledPayment

S = ScheduledPayment.State
_SENTINEL = "9876543210987"


@lru_cache(maxsize=None)
def _pattern(name: str) -> str:
    return reverse(name, kwargs={"account_key": _SENTINEL}).replace(_SENTINEL, "{key}")


def account_url(name: str, key: str) -> str:
    """An AutoPay page of one account, without reversing per account on a page of many."""
    return _pattern(name).format(key=key)


def schedule_words(days: int, max_amount: Decimal | None) -> str:
    """"3 days before the due date, up to $150.00" (or "on the due date, no maximum")."""
    when = (_("on the due date") if days == 0 else
            ngettext("%(days)s day before the due date", "%(days)s days before the due date", days) % {"days": days})
    maximum = _("up to %(max)s") % {"max": money(max_amount)} if max_amount else _("no maximum")
    return _("%(when)s, %(maximum)s") % {"when": when, "maximum": maximum}


def schedule_text(enrollment: Enrollment) -> str:
    """"3 days before the due date, up to $150.00, Visa •••• 4242"."""
    return _("%(schedule)s, %(method)s") % {
        "schedule": schedule_words(enrollment.days_before_due, enrollment.max_amount),
        "method": enrollment.method.label}


def account_extras(*, tenant: Tenant, user, account_keys: list[str]) -> dict[str, AccountExtra]:
    """Utility Billing's hook: "Manage AutoPay" with On/Off on each account's card, in one query for all of them."""
    enrollments = tenant.autopay_enrollments.filter(account_key__in=account_keys, ended_at__isnull=True)
    live = {e.account_key: e for e in enrollments.select_related("method")}
    found = {}
    for key in account_keys:
        enrollment = live.get(key)
        if enrollment is None:
            status, setup = _("Off"), account_url("autopay:enroll", key)
        elif enrollment.user_id == user.pk:
            status, setup = _("On: %(schedule)s") % {"schedule": schedule_text(enrollment)}, ""
        else:
            status, setup = _("On, set up by another person who pays it"), ""
        found[key] = AccountExtra(label=_("Manage AutoPay"), url=account_url("autopay:manage", key), status=status,
                                  setup_url=setup, setup_label=_("Set up AutoPay") if setup else "")
    return found


@dataclass
class PaymentLine:
    """One AutoPay payment of the account as the customer reads it."""

    period: str
    charge_on: date
    amount: Decimal
    state: str
    status: str
    detail: str


@dataclass
class AccountAutoPay:
    """One account's AutoPay for the person looking: the live enrollment (whoever runs it) and every payment."""

    enrollment: Enrollment | None
    mine: bool
    next_payment: ScheduledPayment | None = None
    next_fee: Decimal | None = None
    payments: list[PaymentLine] = field(default_factory=list)

    @property
    def someone_else(self) -> bool:
        return self.enrollment is not None and not self.mine


def _detail(sp: ScheduledPayment, mine: bool) -> str:
    if sp.state == S.PAID and sp.payment is not None:
        numbers = [i.confirmation_number for i in sp.payment.items.all() if i.confirmation_number]
        if numbers:
            return ", ".join(_("Confirmation %(number)s") % {"number": n} for n in numbers)
        return _("Received, posting to the city's records pending")
    if sp.state == S.CHARGING:
        return _("Being charged now")
    # Why a payment failed is about the payer's own card or bank: only they read it.
    return sp.message if mine and sp.state != S.PENDING else ""


def account_autopay(*, tenant: Tenant, user, account_key: str, limit: int = 60) -> AccountAutoPay:
    """The Manage AutoPay page's facts for one account."""
    live = (tenant.autopay_enrollments.filter(account_key=account_key, ended_at__isnull=True)
            .select_related("method").first())
    view = AccountAutoPay(enrollment=live, mine=live is not None and live.user_id == user.pk)
    rows = list(tenant.scheduled_payments.filter(account_key=account_key)
                .select_related("enrollment", "payment").prefetch_related("payment__items")
                .order_by("-charge_on", "-id")[:limit])
    for sp in rows:
        mine = sp.enrollment.user_id == user.pk
        view.payments.append(PaymentLine(period=sp.period_label, charge_on=sp.charge_on,
                                         amount=sp.charged_amount or sp.amount, state=sp.state,
                                         status=sp.get_state_display(), detail=_detail(sp, mine)))
    if view.mine:
        pending = [sp for sp in rows if sp.enrollment_id == live.pk and sp.state == S.PENDING]
        if pending:
            view.next_payment = min(pending, key=lambda sp: (sp.charge_on, sp.pk))
            view.next_fee = payment_settings(tenant).fee_for(live.method.kind, view.next_payment.amount)
    return view


def uses_of_method(*, method: PaymentMethod) -> list[str]:
    """The wallet's hook: the accounts whose AutoPay deleting this method would turn off."""
    numbers = list(method.autopay_enrollments.filter(ended_at__isnull=True).order_by("customer_number")
                   .values_list("customer_number", flat=True))
    if method.kind == PaymentMethod.Kind.ACH:
        text = _("AutoPay for account %(number)s uses this bank account: deleting it turns AutoPay off for that "
                 "account.")
    else:
        text = _("AutoPay for account %(number)s uses this card: deleting it turns AutoPay off for that account.")
    return [text % {"number": n} for n in numbers]
