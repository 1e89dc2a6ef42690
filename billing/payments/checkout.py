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

from .amounts import CheckoutError, check_amount, check_items, parse_amount  # noqa: F401  (checkout's API)
from .models import Payment, PaymentEvent, PaymentItem, PaymentMethod
from .providers import ProviderError, get_provider, payment_settings

logger = logging.getLogger(__name__)


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


def _record(payment: Payment, to_state: str, reason: str = "") -> None:
    PaymentEvent.objects.create(tenant_id=payment.tenant_id, payment=payment, from_state=payment.state,
                                to_state=to_state, reason=reason[:300])


@transaction.atomic
def start_checkout(*, tenant: Tenant, items: list[ItemSpec], method: MethodSpec, user=None, session_key: str = "",
                   payer_email: str = "", payer_name: str = "") -> Payment:
    """Save the payment to be made (nothing is charged yet) and return it for confirmation."""
    if not items:
        raise CheckoutError(_("There is nothing to pay."))
    check_items(tenant=tenant, items=items)
    provider = get_provider(tenant)
    if method.saved is not None:
        if method.saved.deleted_at or method.saved.tenant_id != tenant.id or method.saved.user_id != getattr(user, "id", None):
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
    reference = "CC" + uuid.uuid4().hex[:14].upper()
    payment = Payment.objects.create(
        tenant=tenant, reference=reference, idempotency_key=f"{tenant.slug}-{reference}-{secrets.token_hex(6)}",
        user=user if getattr(user, "is_authenticated", False) else None, session_key=session_key,
        payer_email=payer_email or (getattr(user, "email", "") or ""), payer_name=payer_name,
        amount=amount, fee=fee, total=amount + fee, method_kind=kind, method_brand=brand, method_last4=last4,
        method_token=token, customer_token=customer_token, save_method=bool(method.save and method.saved is None
                                                                             and user is not None),
        provider=provider.name)
    PaymentItem.objects.bulk_create([
        PaymentItem(tenant=tenant, payment=payment, reference=f"{reference}-{n}", kind=i.kind,
                    account_key=i.account_key, customer_number=i.customer_number, category=i.category,
                    category_name=i.category_name, distribution=i.distribution, distribution_name=i.distribution_name,
                    category_reference=i.category_reference, payor=i.payor, comment=i.comment, amount=i.amount)
        for n, i in enumerate(items, start=1)])
    _record(payment, Payment.State.CREATED, "checkout started")
    return payment


def confirm_payment(*, payment: Payment) -> Payment:
    """Charge once. Safe to call any number of times, from any number of requests at once."""
    claimed = Payment.objects.filter(pk=payment.pk, state=Payment.State.CREATED).update(state=Payment.State.PROCESSING)
    if not claimed:
        payment.refresh_from_db()
        return payment
    PaymentEvent.objects.create(tenant_id=payment.tenant_id, payment=payment, from_state=Payment.State.CREATED,
                                to_state=Payment.State.PROCESSING, reason="charging")
    payment.state = Payment.State.PROCESSING
    return _charge(payment)


def _charge(payment: Payment) -> Payment:
    provider = get_provider(payment.tenant)
    try:
        result = provider.charge(amount=payment.total, token=payment.method_token,
                                 customer_token=payment.customer_token, idempotency_key=payment.idempotency_key,
                                 description=f"{payment.tenant.name} {payment.reference}",
                                 metadata={"reference": payment.reference, "tenant": payment.tenant.slug})
    except ProviderError as exc:
        # The outcome is unknown: stay "processing"; recover_processing asks again with the same key.
        logger.warning("charge outcome unknown, will ask again: %s", exc, extra={"reference": payment.reference})
        return payment
    if result.requires_action:
        # The customer must finish in the page (3-D Secure); the page or the webhook records the outcome.
        Payment.objects.filter(pk=payment.pk).update(provider_payment_id=result.provider_payment_id)
        payment.provider_payment_id = result.provider_payment_id
        return payment
    return record_charge_result(payment=payment, succeeded=result.succeeded,
                                provider_payment_id=result.provider_payment_id,
                                failure_message=result.failure_message, deposit_date=result.deposit_date)


def record_charge_result(*, payment: Payment, succeeded: bool, provider_payment_id: str, failure_message: str = "",
                         deposit_date=None) -> Payment:
    """Record the provider's answer once; the charge and the outbox mark commit together."""
    from . import posting

    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.state not in (Payment.State.PROCESSING, Payment.State.CREATED):
            return locked  # already recorded (a webhook and the page may both report it)
        now = timezone.now()
        if succeeded:
            PaymentEvent.objects.create(tenant_id=locked.tenant_id, payment=locked, from_state=locked.state,
                                        to_state=Payment.State.CHARGED, reason=f"charged {provider_payment_id}")
            locked.state = Payment.State.CHARGED
            locked.charged_at = now
            locked.provider_payment_id = provider_payment_id
            locked.deposit_date = deposit_date
            locked.save(update_fields=["state", "charged_at", "provider_payment_id", "deposit_date"])
            locked.items.update(post_state=PaymentItem.PostState.WAITING, next_attempt_at=now)
            transaction.on_commit(lambda: posting.enqueue_posting(payment_id=locked.pk))
            transaction.on_commit(lambda: _after_charge(locked.pk))
        else:
            PaymentEvent.objects.create(tenant_id=locked.tenant_id, payment=locked, from_state=locked.state,
                                        to_state=Payment.State.FAILED, reason=failure_message or "declined")
            locked.state = Payment.State.FAILED
            locked.failure_reason = failure_message or _("The payment was declined.")
            locked.provider_payment_id = provider_payment_id
            locked.save(update_fields=["state", "failure_reason", "provider_payment_id"])
            locked.items.update(post_state=PaymentItem.PostState.VOID)
    return locked


def _after_charge(payment_id: int) -> None:
    """Save the method to the wallet when asked, and send the receipt email. Never undoes the charge."""
    payment = Payment.objects.select_related("tenant", "user").get(pk=payment_id)
    if payment.save_method and payment.user_id:
        try:
            save_to_wallet(payment=payment)
        except Exception:  # the payment stands even if the wallet could not keep the method
            logger.exception("could not save the payment method", extra={"reference": payment.reference})
    from .receipts import send_receipt_email

    send_receipt_email(payment=payment)


def save_to_wallet(*, payment: Payment) -> PaymentMethod:
    provider = get_provider(payment.tenant)
    info = provider.describe(token=payment.method_token)
    existing_customer = (PaymentMethod.objects.filter(tenant=payment.tenant, user=payment.user, provider=provider.name)
                         .exclude(customer_token="").values_list("customer_token", flat=True).first() or "")
    token, customer_token = provider.save_method(token=payment.method_token, customer_token=existing_customer,
                                                 email=payment.user.email)
    method, _ = PaymentMethod.objects.update_or_create(
        tenant=payment.tenant, provider=provider.name, token=token,
        defaults={"user": payment.user, "customer_token": customer_token, "kind": info.kind, "brand": info.brand,
                  "last4": info.last4, "exp_month": info.exp_month, "exp_year": info.exp_year, "deleted_at": None})
    return method


def delete_method(*, method: PaymentMethod, acting_user) -> None:
    """Remove a method from the wallet (and from the provider); past payments keep their brand and last 4."""
    provider = get_provider(method.tenant)
    try:
        provider.delete_method(token=method.token, customer_token=method.customer_token)
    except ProviderError:
        logger.warning("provider could not forget a method; removed from the wallet anyway")
    method.deleted_at = timezone.now()
    method.save(update_fields=["deleted_at"])


def recover_processing(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Ask again, with the same key, about charges whose answer was lost."""
    stuck = Payment.objects.filter(state=Payment.State.PROCESSING, created_at__lt=timezone.now() - older_than)
    count = 0
    for payment in stuck.select_related("tenant")[:200]:
        _charge(payment)
        count += 1
    return count
