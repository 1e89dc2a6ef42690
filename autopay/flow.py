"""The customer's two steps to turn AutoPay on or change it: 1 Schedule, 2 Payment Method (and the authorization).

Step 1's choices travel to step 2 signed (django.core.signing), tied to the person and the account,
and expire. A signature only says they came from our page: the domain (enrollment.enroll/change)
checks them again on the final submit, against the office's settings of that moment.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from allauth.account.models import EmailAddress
from django.core import signing
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.formatting import money
from billing.payments.checkout import blocked_kinds
from billing.payments.models import PaymentMethod
from billing.payments.providers import ProviderError, payment_settings
from billing.payments.wallet import add_to_wallet
from cows_bridge.types import AccountSummary
from portal.models import Tenant

from . import timing
from .enrollment import (AutoPayRefused, Enrolled, autopay_settings, change, check_choices, check_eligibility,
                         enroll, fee_rule_text, live_enrollment, read_account, unenroll)
from .invitations import mark_accepted, open_invitation
from .models import MAX_DAYS_LIMIT, Enrollment, Invitation, ScheduledPayment

SALT = "autopay.steps"
MAX_AGE = 2 * 60 * 60  # seconds to finish the steps before starting again


@dataclass(frozen=True)
class Choices:
    """What the person chose so far: the schedule (step 1), then the method (step 2)."""

    account_key: str
    days_before_due: int
    max_amount: Decimal | None
    method_id: int | None = None
    invitation: str = ""  # the office's invitation token, when enrolling from one

    def signed(self, *, user) -> str:
        return signing.dumps({"k": self.account_key, "u": user.pk, "d": self.days_before_due,
                              "m": "" if self.max_amount is None else str(self.max_amount),
                              "p": self.method_id, "i": self.invitation}, salt=SALT, compress=True)

    def with_method(self, method: PaymentMethod) -> Choices:
        return replace(self, method_id=method.pk)


def load_choices(raw: str | None, *, user, account_key: str) -> Choices | None:
    """The choices signed by step 1 for this person and account; None when missing, altered, expired or another's."""
    try:
        data = signing.loads(raw or "", salt=SALT, max_age=MAX_AGE)
        if data["u"] != user.pk or data["k"] != account_key:
            return None
        return Choices(account_key=account_key, days_before_due=int(data["d"]),
                       max_amount=Decimal(data["m"]) if data["m"] else None,
                       method_id=int(data["p"]) if data["p"] else None, invitation=str(data["i"] or ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError, InvalidOperation):
        return None


def days_limit(tenant: Tenant) -> int:
    return min(autopay_settings(tenant).max_days_before_due, MAX_DAYS_LIMIT)


def own_enrollment(*, tenant: Tenant, user, account_key: str) -> Enrollment | None:
    """The live enrollment of this account when this person runs it (None when off or someone else's)."""
    live = live_enrollment(tenant=tenant, account_key=account_key)
    return live if live is not None and live.user_id == user.pk else None


def start(*, tenant: Tenant, user, account_key: str) -> AccountSummary:
    """The account as Caselle has it now; AutoPayRefused when AutoPay cannot be set up (Direct Pay, another's)."""
    summary = read_account(tenant=tenant, customer_number=account_key)
    check_eligibility(tenant=tenant, user=user, summary=summary)
    return summary


def usable_methods(*, tenant: Tenant, user) -> list[PaymentMethod]:
    """The person's saved methods AutoPay can charge: not deleted, at the city's current provider."""
    return list(tenant.payment_methods.filter(user=user, deleted_at__isnull=True,
                                              provider=payment_settings(tenant).provider).order_by("-created_at"))


def _blocked_message(kind: str) -> str:
    if kind == PaymentMethod.Kind.CARD:
        return _("The office does not take cards for this account. Choose a bank account, or call the office.")
    return _("The office does not take bank account payments for this account. Choose a card, or call the office.")


def pick_method(*, tenant: Tenant, user, summary: AccountSummary, choices: Choices, choice: str,
                token: str) -> PaymentMethod:
    """Step 2's method: a saved one of this person, or a new one kept in their wallet; checked for AutoPay."""
    if choice.startswith("saved-"):
        method = next((m for m in usable_methods(tenant=tenant, user=user) if f"saved-{m.pk}" == choice), None)
    elif choice in ("new-card", "new-ach"):
        kind = PaymentMethod.Kind.CARD if choice == "new-card" else PaymentMethod.Kind.ACH
        if kind in blocked_kinds(tenant=tenant, summaries=[summary]):
            raise AutoPayRefused(_blocked_message(kind), field="method")
        if not token:
            raise AutoPayRefused(_("We could not read that payment method. Please enter it again."), field="method")
        try:
            method = add_to_wallet(tenant=tenant, user=user, token=token)
        except ValueError:
            raise AutoPayRefused(_("We could not read that payment method. Please enter it again."),
                                 field="method") from None
        except ProviderError:
            raise AutoPayRefused(_("We can't reach the payment provider right now. Please try again in a few "
                                   "minutes."), field="method") from None
    else:
        method = None
    if method is None:
        raise AutoPayRefused(_("Choose a payment method."), field="method")
    check_choices(tenant=tenant, user=user, method=method, days_before_due=choices.days_before_due,
                  max_amount=choices.max_amount)
    check_eligibility(tenant=tenant, user=user, summary=summary, method=method)
    return method


def chosen_method(*, tenant: Tenant, user, choices: Choices) -> PaymentMethod | None:
    return next((m for m in usable_methods(tenant=tenant, user=user) if m.pk == choices.method_id), None)


def invitation_for(*, tenant: Tenant, user, token: str) -> Invitation | None:
    """The open invitation with this token (None: unknown, used or expired); AutoPayRefused when it is another's."""
    invitation = open_invitation(tenant=tenant, token=token)
    if invitation is None:
        return None
    if not EmailAddress.objects.filter(user=user, email__iexact=invitation.email, verified=True).exists():
        raise AutoPayRefused(_("This invitation was sent to another email address. Sign out, then sign in (or "
                               "create your account) with the address the office's email came to."))
    return invitation


def submit(*, tenant: Tenant, user, summary: AccountSummary, choices: Choices, method: PaymentMethod,
           accepted_text: str, ip_address: str | None, user_agent: str) -> Enrolled:
    """Turn AutoPay on (or change this person's own in place) with the authorization they accepted."""
    invitation = None
    if choices.invitation:
        invitation = invitation_for(tenant=tenant, user=user, token=choices.invitation)
        if invitation is None or invitation.account_key != choices.account_key:
            raise AutoPayRefused(_("This invitation has expired or was used already. You can still turn on "
                                   "AutoPay yourself under Manage AutoPay."))
    terms = {"method": method, "days_before_due": choices.days_before_due, "max_amount": choices.max_amount,
             "accepted_text": accepted_text, "ip_address": ip_address, "user_agent": user_agent}
    mine = own_enrollment(tenant=tenant, user=user, account_key=choices.account_key)
    if mine is not None:
        done = change(enrollment=mine, **terms)
    else:
        done = enroll(tenant=tenant, user=user, customer_number=summary.customer_number,
                      acting_user=invitation.invited_by if invitation else None, **terms)
    if invitation is not None:
        mark_accepted(invitation=invitation, enrollment=done.enrollment)
    return done


def _day(d) -> str:
    return date_format(d, "M j, Y")


def amount_due(summary: AccountSummary) -> Decimal:
    """What AutoPay would charge for the bill as it stands (the Balance Due, or the Equal Pay amount)."""
    return timing.amount_to_charge(balance_due=summary.balance_due, equal_pay_amount=summary.equal_pay_amount)


def fee_rule(tenant: Tenant, kind: str) -> str:
    """The service fee each payment by this kind adds, as the authorization says it."""
    return fee_rule_text(tenant, kind)


def preview(*, tenant: Tenant, summary: AccountSummary, choices: Choices, method: PaymentMethod, today) -> str:
    """What turning AutoPay on with these choices does to the bill as it stands, by the timing rules."""
    plan = timing.plan_payment(balance_due=summary.balance_due, equal_pay_amount=summary.equal_pay_amount,
                               due_date=summary.due_date, days_before_due=choices.days_before_due, today=today)
    if plan.kind == timing.NOTHING_DUE:
        return _("Nothing is due now: your first payment will be scheduled when the office closes the next billing "
                 "period.")
    words = {"amount": money(plan.amount), "fee": money(payment_settings(tenant).fee_for(method.kind, plan.amount)),
             "date": _day(plan.charge_on), "max": money(choices.max_amount)}
    if choices.max_amount is not None and plan.amount > choices.max_amount:
        return _("Your balance of %(amount)s is over your maximum of %(max)s: AutoPay will not charge it, and will "
                 "email you to pay it yourself.") % words
    if plan.kind == timing.NOW:
        return _("Your balance of %(amount)s, plus the %(fee)s service fee, will be charged today, as the note "
                 "said.") % words
    return _("Your first payment of %(amount)s, plus the %(fee)s service fee, will be charged on %(date)s.") % words


def outcome_message(done: Enrolled, *, today) -> str:
    """What the manage page says after enrolling or changing, by the timing rules' outcome."""
    sp = done.scheduled
    number = done.enrollment.customer_number
    if done.outcome == "now" and sp is not None:
        return _("AutoPay is on for account %(number)s. Your balance of %(amount)s is being paid now, as the note "
                 "said.") % {"number": number, "amount": money(sp.amount)}
    if done.outcome == "scheduled" and sp is not None:
        return _("AutoPay is on for account %(number)s. Your next payment of %(amount)s is scheduled for "
                 "%(date)s.") % {"number": number, "amount": money(sp.amount), "date": _day(sp.charge_on)}
    if done.outcome == "changed":
        if sp is None:
            return _("AutoPay was changed for account %(number)s. No payment is scheduled now: the next one will be "
                     "scheduled when the office closes the next billing period.") % {"number": number}
        if sp.charge_on <= today:
            return _("AutoPay was changed for account %(number)s. Your payment of %(amount)s will be charged "
                     "today.") % {"number": number, "amount": money(sp.amount)}
        return _("AutoPay was changed for account %(number)s. Your next payment of %(amount)s is scheduled for "
                 "%(date)s.") % {"number": number, "amount": money(sp.amount), "date": _day(sp.charge_on)}
    if done.outcome == "already":
        return _("AutoPay is on for account %(number)s. This bill's AutoPay payment was made already; your next "
                 "payment will be scheduled when the office closes the next billing period.") % {"number": number}
    return _("AutoPay is on for account %(number)s. Nothing is due now; your first payment will be scheduled when "
             "the office closes the next billing period.") % {"number": number}


def turn_off(*, enrollment: Enrollment, acting_user, reason: str = "") -> str:
    """End this enrollment and say what that cancelled (a payment already being charged goes ahead)."""
    pending = list(enrollment.scheduled_payments.filter(state__in=[ScheduledPayment.State.PENDING,
                                                                   ScheduledPayment.State.CHARGING]))
    cancelled = unenroll(enrollment=enrollment, acting_user=acting_user, reason=reason)
    lines = [_("AutoPay is off for account %(number)s.") % {"number": enrollment.customer_number}]
    for sp in pending:
        if sp.state == ScheduledPayment.State.PENDING and cancelled:
            lines.append(_("The payment of %(amount)s scheduled for %(date)s was cancelled.")
                         % {"amount": money(sp.amount), "date": _day(sp.charge_on)})
        else:
            lines.append(_("The payment of %(amount)s already being charged goes ahead.")
                         % {"amount": money(sp.amount)})
    if not pending:
        lines.append(_("No payment was scheduled, so none was cancelled."))
    return " ".join(lines)


def stop_for_method(*, method: PaymentMethod, acting_user) -> list[str]:
    """The wallet's hook: deleting a saved method turns off the AutoPay that charges it."""
    return [turn_off(enrollment=e, acting_user=acting_user, reason="payment method deleted")
            for e in method.autopay_enrollments.filter(ended_at__isnull=True)]
