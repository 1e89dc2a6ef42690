"""The payment receipt email, from the office's editable template."""

from __future__ import annotations

import logging


from django.core.mail import send_mail
from django.utils import timezone

from ..formatting import money
from .models import Payment
from .providers import payment_settings

logger = logging.getLogger(__name__)


class _Safe(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def receipt_context(payment: Payment) -> dict:
    items = "\n".join(f"- {item.label}: {money(item.amount)}" for item in payment.items.all())
    posted = [i.confirmation_number for i in payment.items.all() if i.confirmation_number]
    posting = (f"Confirmation number(s): {', '.join(posted)}" if posted else
               "Your payment was received and is being posted to the city's records.")
    return {"city": payment.tenant.name, "items": items, "amount": money(payment.amount), "fee": money(payment.fee),
            "total": money(payment.total), "method": payment.method_label,
            "date": timezone.localtime(payment.charged_at or payment.created_at,
                                       payment.tenant.zone).strftime("%b %d, %Y %I:%M %p"),
            "reference": payment.reference, "posting": posting}


def send_receipt_email(*, payment: Payment) -> bool:
    if not payment.payer_email:
        return False
    settings = payment_settings(payment.tenant)
    context = _Safe(receipt_context(payment))
    try:
        subject = settings.receipt_subject.format_map(context)
        body = settings.receipt_body.format_map(context)
    except (ValueError, IndexError):  # a broken template still sends a plain receipt
        subject = f"Payment receipt from {payment.tenant.name}"
        body = "\n".join(f"{k}: {v}" for k, v in context.items())
    try:
        send_mail(subject, body, None, [payment.payer_email])
    except Exception:
        logger.exception("could not send the receipt email", extra={"reference": payment.reference})
        return False
    return True
