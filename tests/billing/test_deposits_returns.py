"""ACH returns: found in a later deposit once, the payment marked returned, the customer and the office told."""

from datetime import date

from billing.payments import returns
from billing.payments.models import Payment, PaymentEvent, PaymentItem
from billing.tasks import find_returns
from communications.outbox.models import OutboundEmail

from .deposit_helpers import RETURNED_BANK, on, paid, permit


def emails(city, kind: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(tenant=city.tenant, kind=kind).order_by("to"))


def test_the_return_is_found_on_its_deposit_day_and_applied_once(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        payment = paid(riverton, anon_client, items=[permit("80.00")], bank=RETURNED_BANK)
        kept = paid(riverton, anon_client, items=[permit("15.00")], bank="000123456789")

    with on(riverton, 2026, 12, 9):
        assert returns.find_returns(tenant=riverton.tenant) == []  # the bank has not taken it back yet
    assert Payment.objects.get(pk=payment.pk).state == Payment.State.CHARGED

    with on(riverton, 2026, 12, 10, hour=7):
        assert returns.find_returns(tenant=riverton.tenant) == [payment.reference]
        assert returns.find_returns(tenant=riverton.tenant) == []  # the second sweep changes nothing
        find_returns.apply()  # as beat runs it, for every city

    payment.refresh_from_db()
    assert payment.state == Payment.State.RETURNED
    assert payment.return_reason == "R01 Insufficient funds" and payment.returned_at is not None
    [event] = PaymentEvent.objects.filter(payment=payment, to_state=Payment.State.RETURNED)
    assert event.from_state == Payment.State.CHARGED and event.actor == "provider:sandbox"
    assert "R01" in event.reason
    assert Payment.objects.get(pk=kept.pk).state == Payment.State.CHARGED
    # Not posted yet when it came back: it never will be.
    assert list(payment.items.values_list("post_state", flat=True)) == [PaymentItem.PostState.VOID]


def test_the_customer_and_the_office_admins_are_emailed_once(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        payment = paid(riverton, anon_client, items=[permit("80.00")], bank=RETURNED_BANK, payer_name="Rosa Diaz")
    with on(riverton, 2026, 12, 11):
        returns.find_returns(tenant=riverton.tenant)
        returns.find_returns(tenant=riverton.tenant)

    [customer] = emails(riverton, "payment_returned")
    assert customer.to == "rosa@example.org" and customer.category == "transactional"
    assert payment.reference in customer.subject and "returned" in customer.subject
    assert "Insufficient funds" in customer.text and "Please pay again" in customer.text
    [office] = emails(riverton, "payment_returned_office")
    assert office.to == "carl@riverton.example"
    assert payment.reference in office.subject
    assert "Rosa Diaz" in office.text and "Building permit" in office.text
    assert "had not been posted to Cash Receipting" in office.text


def test_a_sweep_after_a_missed_week_day_still_finds_it(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        payment = paid(riverton, anon_client, bank=RETURNED_BANK)
    with on(riverton, 2026, 12, 15):  # beat was down from Thursday to the next Tuesday
        assert returns.find_returns(tenant=riverton.tenant) == [payment.reference]


def test_another_citys_sweep_leaves_it_alone(riverton, lakeside, anon_client):
    with on(riverton, 2026, 12, 7):
        payment = paid(riverton, anon_client, bank=RETURNED_BANK)
    with on(riverton, 2026, 12, 10):
        assert returns.find_returns(tenant=lakeside.tenant) == []

    assert Payment.objects.get(pk=payment.pk).state == Payment.State.CHARGED
    assert not OutboundEmail.objects.filter(tenant=lakeside.tenant).exists()


def test_a_card_payment_is_never_asked_about(riverton, anon_client):
    with on(riverton, 2026, 12, 7):
        paid(riverton, anon_client)
    assert returns.paying_accounts(tenant=riverton.tenant, today=date(2026, 12, 10)) == []


def test_the_customers_payment_page_says_the_bank_returned_it(riverton, anon_client, client_for):
    import html

    with on(riverton, 2026, 12, 7):
        payment = paid(riverton, anon_client, items=[permit("80.00")], bank=RETURNED_BANK)
    resident = client_for(riverton.resident, riverton.tenant)
    assert "Thank you! Your payment was received." in html.unescape(
        resident.get(f"/pay/{payment.reference}/").content.decode())
    with on(riverton, 2026, 12, 10):
        returns.find_returns(tenant=riverton.tenant)

    page = html.unescape(resident.get(f"/pay/{payment.reference}/").content.decode())
    assert "Your bank returned this payment" in page and "R01 Insufficient funds" in page
    assert "What it paid is due again." in page and "Thank you!" not in page
