"""Paying: one checkout, one charge, and one Cash Receipting receipt per item, exactly once.

  start_checkout   validates the items and the method, computes the service fee, and saves a
                   Payment (state created) with its idempotency key, before any money moves.
  confirm_payment  claims the payment (created → processing) so double clicks, refreshes and
                   parallel submits charge once, charges with the saved key, and records the
                   result. On success the charge and the items' "must be posted" mark are
                   committed in one transaction (the outbox); posting.py takes it from there.
  recover_processing  a charge whose answer was lost stays "processing"; asking the provider
                   again with the same key returns the first result, never a second charge.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cows_bridge.types import AccountSummary
from portal.models import Tenant

from . import states
from .amounts import CheckoutError, check_amount, check_items, parse_amount  # noqa: F401  (checkout's API)
from .models import Payment, PaymentItem, PaymentMethod
from .providers import (ProviderError, current_account, get_provider, payment_settings, provider_for_payment,
                        provider_from_account)

logger = logging.getLogger(__name__)
FIRST_CHECK = timedelta(minutes=5)  # a lost answer is first asked about again after this


@dataclass
class ItemSpec:
    kind: str  # utility or misc
    amount: Decimal
    account_key: str = ""
    customer_number: str = ""
    summary: AccountSummary | None = None
    category: str = ""
    category_name: str = ""
    distribution: str = ""
    distribution_name: str = ""
    category_reference: str = ""
    payor: str = ""
    comment: str = ""


@dataclass
class MethodSpec:
    """A saved wallet method, or a new token from the provider's own page script."""

    saved: PaymentMethod | None = None
    token: str = ""
    save: bool = False
    info: object = field(default=None)


def blocked_kinds(*, tenant: Tenant, summaries: list[AccountSummary]) -> set[str]:
    """Payment types the office blocked for any of these accounts through its UDF checkboxes."""
    settings = payment_settings(tenant)
    blocked = set()
    for summary in summaries:
        if settings.udf_block_card and summary.udf.get(settings.udf_block_card):
            blocked.add("card")
        if settings.udf_block_ach and summary.udf.get(settings.udf_block_ach):
            blocked.add("ach")
    return blocked


def fees_for(*, tenant: Tenant, amount: Decimal) -> dict[str, Decimal]:
    settings = payment_settings(tenant)
    return {"card": settings.fee_for("card", amount), "ach": settings.fee_for("ach", amount)}


@transaction.atomic
def start_checkout(*, tenant: Tenant, items: list[ItemSpec], method: MethodSpec, user=None, session_key: str = "",
                   payer_email: str = "", payer_name: str = "", customer_present: bool = True,
                   reference: str = "", idempotency_key: str = "", actor=None) -> Payment:
    """Save the payment to be made (nothing is charged yet) and return it for confirmation.

    It is tied to the city's provider account of this moment: every later call on it uses that one.
    `customer_present` is False for a charge nobody watches (AutoPay), which also brings its own
    `reference` and `idempotency_key` (derived from its scheduled payment, so one row is one charge).
    """
    if not items:
        raise CheckoutError(_("There is nothing to pay."))
    check_items(tenant=tenant, items=items)
    # Utility bills alone go to the city's Utility account when it has one (Deposit Reconciliation's choice).
    account = current_account(tenant, utility_bills=all(i.kind == PaymentItem.Kind.UTILITY for i in items))
    try:
        provider = provider_from_account(account)
    except ProviderError:
        raise CheckoutError(_("Online payments are not set up yet.")) from None
    if method.saved is not None:
        if (method.saved.deleted_at or method.saved.tenant_id != tenant.id or method.saved.provider != provider.name
                or method.saved.user_id != getattr(user, "id", None)):
            raise CheckoutError(_("Choose a payment method."))
        if method.saved.is_expired:
            raise CheckoutError(_("This card has expired. Choose another payment method."))
        kind, brand, last4 = method.saved.kind, method.saved.brand, method.saved.last4
        token, customer_token = method.saved.token, method.saved.customer_token
    else:
        if not method.token:
            raise CheckoutError(_("Enter your card or bank account details."))
        try:
            info = provider.describe(token=method.token)
        except (ValueError, ProviderError):
            raise CheckoutError(_("We could not read that payment method. Please enter it again.")) from None
        kind, brand, last4, token, customer_token = info.kind, info.brand, info.last4, method.token, ""
    summaries = [i.summary for i in items if i.summary is not None]
    if kind in blocked_kinds(tenant=tenant, summaries=summaries):
        if kind == "card":
            raise CheckoutError(_("This account cannot be paid by card. Please pay by bank account, or contact the office."))
        raise CheckoutError(_("This account cannot be paid by bank account. Please pay by card, or contact the office."))

    amount = sum((i.amount for i in items), Decimal("0.00"))
    fee = payment_settings(tenant).fee_for(kind, amount)
    reference = reference or "CC" + uuid.uuid4().hex[:14].upper()
    payment = Payment.objects.create(
        tenant=tenant, reference=reference,
        idempotency_key=idempotency_key or f"{tenant.slug}-{reference}-{secrets.token_hex(6)}",
        user=user if getattr(user, "is_authenticated", False) else None, session_key=session_key,
        payer_email=payer_email or (getattr(user, "email", "") or ""), payer_name=payer_name,
        amount=amount, fee=fee, total=amount + fee, method_kind=kind, method_brand=brand, method_last4=last4,
        method_token=token, customer_token=customer_token, save_method=bool(method.save and method.saved is None
                                                                             and user is not None),
        provider=provider.name, provider_account=account, customer_present=customer_present)
    PaymentItem.objects.bulk_create([
        PaymentItem(tenant=tenant, payment=payment, reference=f"{reference}-{n}", kind=i.kind,
                    account_key=i.account_key, customer_number=i.customer_number, category=i.category,
                    category_name=i.category_name, distribution=i.distribution, distribution_name=i.distribution_name,
                    category_reference=i.category_reference, payor=i.payor, comment=i.comment, amount=i.amount)
        for n, i in enumerate(items, start=1)])
    states.record_start(payment, reason="checkout started",
                        actor=states.as_actor(actor) if actor is not None else states.Actor.customer(user))
    return payment


def confirm_payment(*, payment: Payment, actor=None) -> Payment:
    """Charge once. Safe to call any number of times, from any number of requests at once.

    `actor` is who pressed Pay (a view passes request.user); by default the payment's own payer.
    """
    actor = states.as_actor(actor if actor is not None else payment.user)
    try:
        if payment.state != Payment.State.CREATED:
            raise states.StateChanged(payment.reference)
        states.transition(payment, Payment.State.PROCESSING, reason="charging", actor=actor)
    except states.StateChanged:  # pressed before, or another request claimed it first
        payment.refresh_from_db()
        return payment
    return _charge(payment, actor=actor)


def _charge(payment: Payment, *, actor=None) -> Payment:
    try:
        provider = provider_for_payment(payment)
        result = provider.charge(amount=payment.total, token=payment.method_token,
                                 customer_token=payment.customer_token, idempotency_key=payment.idempotency_key,
                                 description=f"{payment.tenant.name} {payment.reference}",
                                 metadata={"reference": payment.reference, "tenant": payment.tenant.slug},
                                 customer_present=payment.customer_present)
    except ProviderError as exc:
        # The outcome is unknown: stay "processing"; recover_processing asks again with the same key.
        logger.warning("charge outcome unknown, will ask again: %s", exc, extra={"reference": payment.reference})
        first_check = {"next_check_at": timezone.now() + FIRST_CHECK} if payment.next_check_at is None else {}
        Payment.objects.filter(pk=payment.pk).update(last_check_error=str(exc)[:300], **first_check)
        payment.last_check_error = str(exc)[:300]
        payment.next_check_at = first_check.get("next_check_at", payment.next_check_at)
        return payment
    if result.requires_action:
        # The customer must finish in the page (3-D Secure); the page or the webhook records the outcome.
        Payment.objects.filter(pk=payment.pk).update(provider_payment_id=result.provider_payment_id)
        payment.provider_payment_id = result.provider_payment_id
        return payment
    return record_charge_result(payment=payment, succeeded=result.succeeded,
                                provider_payment_id=result.provider_payment_id,
                                failure_message=result.failure_message, deposit_date=result.deposit_date, actor=actor)


def record_charge_result(*, payment: Payment, succeeded: bool, provider_payment_id: str, failure_message: str = "",
                         deposit_date=None, actor=None) -> Payment:
    """Record the provider's answer once; the charge and the outbox mark commit together.

    A success for a payment already marked failed (a late webhook, a recovered answer) is money
    taken: it is kept as a late success for the office to post or refund, never dropped.
    `actor` is who brought the answer (the payer's request by default, a webhook, recovery).
    """
    from . import posting

    actor = states.as_actor(actor if actor is not None else payment.user)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state == Payment.State.FAILED and succeeded:
            return _record_late_success(locked, provider_payment_id=provider_payment_id, actor=actor)
        if locked.state not in (Payment.State.PROCESSING, Payment.State.CREATED):
            return locked  # already recorded (a webhook and the page may both report it)
        now = timezone.now()
        if succeeded:
            states.transition(locked, Payment.State.CHARGED, reason=f"charged {provider_payment_id}", actor=actor,
                              charged_at=now, provider_payment_id=provider_payment_id, deposit_date=deposit_date)
            locked.items.update(post_state=PaymentItem.PostState.WAITING, next_attempt_at=now)
            transaction.on_commit(lambda: posting.enqueue_posting(payment_id=locked.pk))
            transaction.on_commit(lambda: _after_charge(locked.pk))
        else:
            states.transition(locked, Payment.State.FAILED, reason=failure_message or "declined", actor=actor,
                              failure_reason=failure_message or _("The payment was declined."),
                              provider_payment_id=provider_payment_id)
            locked.items.update(post_state=PaymentItem.PostState.VOID)
    return locked


def _record_late_success(locked: Payment, *, provider_payment_id: str, actor) -> Payment:
    if locked.late_success_at is not None:
        return locked  # already kept for the office
    logger.error("money taken for a payment already marked failed; the office must post or refund it",
                 extra={"reference": locked.reference, "provider_payment_id": provider_payment_id})
    return states.transition(locked, Payment.State.FAILED, reason=f"late success {provider_payment_id}: needs attention",
                             actor=actor, late_success_at=timezone.now(), late_success_payment_id=provider_payment_id)


def _after_charge(payment_id: int) -> None:
    """Save the method to the wallet when asked, and send the receipt email. Never undoes the charge."""
    payment = Payment.objects.select_related("tenant", "user").get(pk=payment_id)
    if payment.save_method and payment.user_id:
        from .wallet import save_to_wallet

        try:
            save_to_wallet(payment=payment)
        except Exception:  # the payment stands even if the wallet could not keep the method
            logger.exception("could not save the payment method", extra={"reference": payment.reference})
    from .receipts import send_receipt_email

    send_receipt_email(payment=payment)


from .wallet import delete_method, save_to_wallet  # noqa: E402,F401  (checkout's API before wallet.py)


def recover_processing(*, now=None, older_than: timedelta | None = None) -> int:
    """The janitor (recovery.py): ask again about charges whose answer was lost; returns how many were asked.

    `older_than` asks every such payment started before that long ago, whatever its schedule.
    """
    from .recovery import sweep

    return sweep(now=now, older_than=older_than)
