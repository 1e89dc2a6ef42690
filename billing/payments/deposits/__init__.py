"""Deposit Reconciliation: what one deposit into the city's bank holds, line by line.

`deposits_for(tenant=, account=, deposit_date=)` asks the provider account which payments, refunds
and returns made up the money that reached the bank that day (the sandbox: its deposit of that day;
Stripe: the payouts arriving that day and their balance transactions, deposits/stripe.py), and
matches each line with the portal's payment: customer, confirmation numbers, when it was posted to
Cash Receipting. The lines' net amounts add up to what the bank received. A fixed number of
queries, whatever the number of lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant

from ..models import Payment, PaymentItem
from ..provider_account import ProviderAccount

ZERO = Decimal("0.00")
PAYING = ("sandbox", "stripe")  # providers whose money reaches a bank
KIND_LABELS = {"payment": _("Payment"), "refund": _("Refund"), "return": _("Return"), "other": _("Other")}


class DepositsUnavailable(Exception):
    """The provider could not be asked, or cannot tell what a deposit held; the message says which."""


@dataclass(frozen=True)
class ProviderLine:
    """One line of a deposit as the provider reports it."""

    kind: str  # payment, refund, return, other
    provider_reference: str  # the provider's own id for the line (charge, return, balance transaction)
    payment_id: str  # the provider's id of the payment it concerns, as Payment.provider_payment_id ("" if none)
    gross: Decimal  # signed: what it adds to the deposit before the processor's fee
    processor_fee: Decimal = ZERO
    description: str = ""


@dataclass(frozen=True)
class ProviderDeposit:
    amount: Decimal  # what the bank received
    lines: list[ProviderLine]


@dataclass
class DepositLine:
    """A deposit line as the office reconciles it."""

    kind: str
    provider_reference: str
    gross: Decimal
    processor_fee: Decimal
    payment: Payment | None = None
    description: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def sign(self) -> int:
        return -1 if self.gross < 0 else 1

    @property
    def amount(self) -> Decimal:
        """The part that is the customer's payment (posted to Cash Receipting), signed."""
        if self.payment is None:
            return self.gross
        return self.gross - self.service_fee

    @property
    def service_fee(self) -> Decimal:
        if self.payment is None or abs(self.gross) != self.payment.total:
            return ZERO  # a part refund, or nothing to tell the fee by
        return self.sign * self.payment.fee

    @property
    def net(self) -> Decimal:
        return self.gross - self.processor_fee

    @property
    def customer(self) -> str:
        p = self.payment
        return (p.payer_name or p.payer_email) if p else ""

    @property
    def accounts(self) -> str:
        return ", ".join(i.customer_number or i.label for i in self.payment.items.all()) if self.payment else ""

    @property
    def confirmation_numbers(self) -> str:
        return ", ".join(i.confirmation_number for i in self.payment.items.all()
                         if i.confirmation_number) if self.payment else ""

    @property
    def posted_on(self) -> date | None:
        """The day (the city's) the payment was posted to Cash Receipting."""
        p = self.payment
        if p is None:
            return None
        moment = p.posted_at or max((i.posted_at for i in p.items.all() if i.posted_at), default=None)
        return timezone.localtime(moment, p.tenant.zone).date() if moment else None


@dataclass
class DepositReport:
    account: ProviderAccount
    deposit_date: date
    deposit_amount: Decimal | None  # None: no deposit that day
    lines: list[DepositLine] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.deposit_amount is not None

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(line, name) for line in self.lines), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        return {name: self._sum(name) for name in ("gross", "amount", "service_fee", "processor_fee", "net")}

    @property
    def balanced(self) -> bool:
        """The lines add up to what the bank received."""
        return self.found and self._sum("net") == self.deposit_amount

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for line in self.lines:
            counts[line.kind] = counts.get(line.kind, 0) + 1
        return counts


def reconciliation_accounts(*, tenant: Tenant):
    """The city's accounts that pay money into its bank, General first (its current one made if it has none yet)."""
    from ..providers import current_account, payment_settings

    if payment_settings(tenant).provider in PAYING:
        current_account(tenant)
    return tenant.provider_accounts.filter(provider__in=PAYING).order_by("purpose", "name", "-id")


def read_provider_deposit(*, tenant: Tenant, account: ProviderAccount, deposit_date: date) -> ProviderDeposit | None:
    """The provider's own account of the deposit (None: no deposit that day); DepositsUnavailable when it cannot say."""
    if account.provider == "sandbox":
        from . import sandbox

        return sandbox.read(tenant=tenant, account=account, deposit_date=deposit_date)
    if account.provider == "stripe":
        from . import stripe

        return stripe.read(tenant=tenant, account=account, deposit_date=deposit_date)
    raise DepositsUnavailable(_("This provider account cannot report deposits."))


def deposits_for(*, tenant: Tenant, account: ProviderAccount, deposit_date: date) -> DepositReport:
    """Every payment, refund and return in the deposit the bank received that day, with the portal's records."""
    if account.tenant_id != tenant.id:
        raise ValueError("the provider account is another city's")
    deposit = read_provider_deposit(tenant=tenant, account=account, deposit_date=deposit_date)
    if deposit is None:
        return DepositReport(account=account, deposit_date=deposit_date, deposit_amount=None)
    ids = {line.payment_id for line in deposit.lines if line.payment_id}
    payments = {p.provider_payment_id: p for p in (
        tenant.payments.filter(provider_account=account, provider_payment_id__in=ids).select_related("tenant")
        .prefetch_related(Prefetch("items", queryset=PaymentItem.objects.order_by("id"))))} if ids else {}
    lines = [DepositLine(kind=line.kind, provider_reference=line.provider_reference, gross=line.gross,
                         processor_fee=line.processor_fee, payment=payments.get(line.payment_id),
                         description=line.description) for line in deposit.lines]
    return DepositReport(account=account, deposit_date=deposit_date, deposit_amount=deposit.amount, lines=lines)
