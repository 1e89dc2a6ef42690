"""A bank payment already posted to Cash Receipting, then returned: it stays posted, and everyone is told so."""

from __future__ import annotations

import html

from billing.payments import posting, returns
from billing.payments.models import Payment, PaymentItem
from communications.outbox.models import OutboundEmail

from ..billing.deposit_helpers import RETURNED_BANK, on
from ..billing.payhelpers import bank_token, reference_of, start_utility_payment


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_posted_payment_returned_by_the_bank_stays_posted_and_the_office_is_told_to_reverse_it(
        cows, riverton, account, client_for):
    resident = client_for(riverton.resident, riverton.tenant)
    with on(riverton, 2026, 12, 7):
        response = start_utility_payment(resident, account, "25.00", bank_token(resident, account=RETURNED_BANK),
                                         kind="ach")
        reference = reference_of(response)
        assert resident.post(f"/pay/{reference}/confirm/").status_code == 302
        payment = Payment.objects.get(reference=reference)
        assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    item = PaymentItem.objects.get(payment=payment)
    receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()

    with on(riverton, 2026, 12, 10, hour=6):
        assert returns.find_returns(tenant=riverton.tenant) == [reference]
        clerk = client_for(riverton.clerk, riverton.tenant)
        detail = text(clerk.get(f"/office/payments/{reference}/"))
        deposit = text(clerk.get("/office/payments/deposits/", {"deposit_date": "2026-12-10",
                                                                "account": payment.provider_account_id}))

    item.refresh_from_db()
    assert item.post_state == PaymentItem.PostState.POSTED and item.confirmation_number == receipt["confirmation_number"]
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.RETURNED
    assert "Returned by the bank" in detail and "R01 Insufficient funds" in detail
    assert "It was posted to Cash Receipting and stays posted there: reverse the receipt in Caselle." in detail
    assert "Reported by Sandbox" in detail  # the history's actor
    assert "Stays posted: reverse it in Caselle" in deposit and "Dec 7, 2026" in deposit
    office = OutboundEmail.objects.get(tenant=riverton.tenant, kind="payment_returned_office")
    assert f"confirmation number(s): {item.confirmation_number}) and stays posted there" in office.text
    assert "reverse the receipt in Caselle" in office.text
