"""The built-in sandbox provider: cards and bank accounts with documented test numbers, no money.

Charges are idempotent on their key, succeed or fail by the test number behind the token, and
settle into one deposit per city per day (the next business day), for reconciliation. The card
4000 0027 6000 3184 stands for a bank that wants 3-D Secure: it succeeds with the customer there
(the sandbox takes the check as passed) and fails off session (AutoPay), as Stripe's does.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sandboxpay.cards import AUTHENTICATION_REQUIRED, FAILURE_MESSAGES
from sandboxpay.models import SandboxCharge, SandboxDeposit, SandboxToken

from . import AUTHENTICATION_NEEDED_OFF_SESSION, ChargeResult, MethodInfo, ProviderError, RefundResult


def _deposit_date(day):
    """Settled the next business day."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class SandboxProvider:
    name = "sandbox"

    def __init__(self, tenant):
        self.tenant = tenant

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
                        deposit, _ = SandboxDeposit.objects.get_or_create(
                            tenant_slug=self.tenant.slug,
                            # The office's banking day, whatever zone the caller (a worker) runs in.
                            deposit_date=_deposit_date(timezone.localdate(timezone=self.tenant.zone)))
                        SandboxDeposit.objects.filter(pk=deposit.pk).update(total=F("total") + amount,
                                                                           count=F("count") + 1)
                        existing.deposit = deposit
                        existing.save(update_fields=["deposit"])
            except IntegrityError:  # the same key charged at the same moment: that one stands
                existing = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        message = (str(AUTHENTICATION_NEEDED_OFF_SESSION) if existing.failure_code == AUTHENTICATION_REQUIRED
                   else existing.failure_message)
        return ChargeResult(succeeded=existing.status == "succeeded", provider_payment_id=existing.charge_id,
                            failure_message=message,
                            deposit_date=existing.deposit.deposit_date if existing.deposit_id else None)

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
                refund, _ = SandboxCharge.objects.get_or_create(
                    idempotency_key=idempotency_key,
                    defaults={"charge_id": "re_" + secrets.token_hex(10), "tenant_slug": self.tenant.slug,
                              "token": provider_payment_id, "amount": -amount, "status": "refunded"})
        except IntegrityError:  # the same key at the same moment: that one stands
            refund = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        return RefundResult(refund_id=refund.charge_id, succeeded=True)
