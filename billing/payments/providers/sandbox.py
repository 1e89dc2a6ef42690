"""The built-in sandbox provider: cards and bank accounts with documented test numbers, no money.

Charges are idempotent on their key, succeed or fail by the test number behind the token, and
settle into one deposit per city per day (the next business day), for reconciliation. The card
4000 0027 6000 3184 stands for a bank that wants 3-D Secure: it succeeds with the customer there
(the sandbox takes the check as passed) and fails off session (AutoPay), as Stripe's does.
The bank account 000333333335 pays and settles, then comes back R01 (insufficient funds) in the
deposit RETURN_AFTER business days later: the processor records the return when it takes the
charge, and reports it (`returns_between`) only once its deposit day has come.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sandboxpay.cards import AUTHENTICATION_REQUIRED, FAILURE_MESSAGES, RETURN_CODES
from sandboxpay.models import SandboxCharge, SandboxDeposit, SandboxToken

from . import AUTHENTICATION_NEEDED_OFF_SESSION, ChargeResult, MethodInfo, ProviderError, RefundResult


RETURN_AFTER = 2  # business days after the charge's own deposit


def _deposit_date(day, business_days: int = 1):
    """Settled the next business day (or `business_days` later)."""
    for _ in range(business_days):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def _add_to_deposit(*, tenant_slug: str, merchant: str, deposit_date, amount: Decimal) -> SandboxDeposit:
    deposit, _ = SandboxDeposit.objects.get_or_create(tenant_slug=tenant_slug, merchant=merchant,
                                                      deposit_date=deposit_date)
    SandboxDeposit.objects.filter(pk=deposit.pk).update(total=F("total") + amount, count=F("count") + 1)
    return deposit


class SandboxProvider:
    name = "sandbox"

    def __init__(self, tenant, account=None):
        self.tenant = tenant
        self.merchant = account.merchant if account is not None else ""

    def describe(self, *, token: str) -> MethodInfo:
        t = SandboxToken.objects.filter(token=token).first()
        if t is None:
            raise ValueError("unknown token")
        return MethodInfo(kind=t.kind, brand=t.brand, last4=t.last4, exp_month=t.exp_month, exp_year=t.exp_year)

    def charge(self, *, amount: Decimal, token: str, customer_token: str, idempotency_key: str,
               description: str, metadata: dict, customer_present: bool) -> ChargeResult:
        existing = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            t = SandboxToken.objects.filter(token=token).first()
            outcome = t.outcome if t else "card_declined"
            returned = RETURN_CODES.get(outcome)
            if returned:
                outcome = "succeeded"  # for now: the bank takes it back later
            if outcome == AUTHENTICATION_REQUIRED:
                outcome = "succeeded" if customer_present else AUTHENTICATION_REQUIRED
            status = "succeeded" if outcome == "succeeded" else "failed"
            try:
                with transaction.atomic():
                    existing = SandboxCharge.objects.create(
                        charge_id="ch_" + secrets.token_hex(10), idempotency_key=idempotency_key,
                        tenant_slug=self.tenant.slug, token=token, amount=amount, status=status,
                        failure_code="" if status == "succeeded" else outcome,
                        failure_message=FAILURE_MESSAGES.get(outcome, "") if status != "succeeded" else "")
                    if status == "succeeded":
                        # The office's banking day, whatever zone the caller (a worker) runs in.
                        settled = _deposit_date(timezone.localdate(timezone=self.tenant.zone))
                        existing.deposit = _add_to_deposit(tenant_slug=self.tenant.slug, merchant=self.merchant,
                                                           deposit_date=settled, amount=amount)
                        existing.save(update_fields=["deposit"])
                        if returned:
                            self._schedule_return(existing, code=returned, settled=settled)
            except IntegrityError:  # the same key charged at the same moment: that one stands
                existing = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        message = (str(AUTHENTICATION_NEEDED_OFF_SESSION) if existing.failure_code == AUTHENTICATION_REQUIRED
                   else existing.failure_message)
        return ChargeResult(succeeded=existing.status == "succeeded", provider_payment_id=existing.charge_id,
                            failure_message=message,
                            deposit_date=existing.deposit.deposit_date if existing.deposit_id else None)

    def _schedule_return(self, charge: SandboxCharge, *, code: tuple[str, str], settled) -> None:
        # Keyed on the charge: a charge is returned once.
        SandboxCharge.objects.create(
            charge_id="rt_" + secrets.token_hex(10), idempotency_key=f"return-{charge.charge_id}",
            tenant_slug=self.tenant.slug, token=charge.charge_id, amount=-charge.amount, status="returned",
            failure_code=code[0], failure_message=code[1],
            deposit=_add_to_deposit(tenant_slug=self.tenant.slug, merchant=self.merchant,
                                    deposit_date=_deposit_date(settled, RETURN_AFTER), amount=-charge.amount))

    def save_method(self, *, token: str, customer_token: str, email: str) -> tuple[str, str]:
        return token, customer_token or ("cus_" + secrets.token_hex(8))

    def delete_method(self, *, token: str, customer_token: str) -> None:
        return None

    def refund(self, *, provider_payment_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        # Kept as a charge row of its own (negative, status "refunded") whose key makes it happen once.
        charge = SandboxCharge.objects.filter(charge_id=provider_payment_id, status="succeeded",
                                              tenant_slug=self.tenant.slug).first()
        if charge is None:
            raise ProviderError(f"no sandbox charge {provider_payment_id} to refund")
        try:
            with transaction.atomic():
                refund, made = SandboxCharge.objects.get_or_create(
                    idempotency_key=idempotency_key,
                    defaults={"charge_id": "re_" + secrets.token_hex(10), "tenant_slug": self.tenant.slug,
                              "token": provider_payment_id, "amount": -amount, "status": "refunded"})
                if made:  # taken out of the next business day's deposit
                    refund.deposit = _add_to_deposit(
                        tenant_slug=self.tenant.slug, merchant=self.merchant, amount=-amount,
                        deposit_date=_deposit_date(timezone.localdate(timezone=self.tenant.zone)))
                    refund.save(update_fields=["deposit"])
        except IntegrityError:  # the same key at the same moment: that one stands
            refund = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        return RefundResult(refund_id=refund.charge_id, succeeded=True)
