"""The payment receipt email, from the office's template (kind payment_receipt in communications)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communications.mailing import send_templated

from ..formatting import money
from .models import Payment


def receipt_context(payment: Payment) -> dict:
    """The receipt's variables: {city} {items} {amount} {fee} {total} {method} {date} {reference} {posting}."""
    items = list(payment.items.all())
    lines = "\n".join(f"- {item.label}: {money(item.amount)}" for item in items)
    posted = [i.confirmation_number for i in items if i.confirmation_number]
    posting = (_("Confirmation number(s): %(numbers)s") % {"numbers": ", ".join(posted)} if posted else
               _("Your payment was received and is being posted to the city's records."))
    return {"city": payment.tenant.name, "items": lines, "amount": money(payment.amount), "fee": money(payment.fee),
            "total": money(payment.total), "method": payment.method_label,
            "date": date_format(timezone.localtime(payment.charged_at or payment.created_at, payment.tenant.zone),
                                "M j, Y g:i A"),  # as the portal's pages show times
            "reference": payment.reference, "posting": posting}


def send_receipt_email(*, payment: Payment) -> bool:
    """Queue the payer's receipt, once per payment; False when there is no address or it was queued before."""
    if not payment.payer_email:
        return False
    # The Email log finds a receipt by the utility accounts it paid.
    numbers = ", ".join(dict.fromkeys(i.customer_number for i in payment.items.all() if i.customer_number))
    return send_templated(tenant=payment.tenant, kind="payment_receipt", to=[payment.payer_email],
                          context=receipt_context(payment), key=f"receipt:{payment.pk}", user=payment.user_id,
                          account_number=numbers[:40])
