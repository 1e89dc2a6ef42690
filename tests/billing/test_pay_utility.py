import html
import re
from decimal import Decimal

import pytest
from django.core import mail

from billing.payments import posting
from billing.payments.models import Payment, PaymentMethod
from cows_bridge import client as cows_client
from sandboxpay.models import SandboxCharge
from tests.conftest import link_sample

from .payhelpers import BANK_OK, DECLINED, NO_FUNDS, bank_token, card_token, reference_of, start_utility_payment


def test_pay_page_defaults_to_the_balance_and_shows_each_types_fee(own_office, riverton, client_for):
    office = own_office(riverton, "pay-defaults", customers=10, seed=13)  # nobody else pays its bills
    office.close_period("pay-defaults")  # the month just ended is billed: its bills are due
    account = link_sample(office, riverton, 0)
    owing = cows_client.get_account(riverton.tenant, account).balance_due
    assert owing > 0
    client = client_for(riverton.resident, riverton.tenant)
    body = html.unescape(client.get(f"/pay/utility/{account}/").content.decode())
    assert f'value="{owing:.2f}"' in body
    fees = client.get("/pay/fees/", {"amount": "100.00"}).content.decode()
    assert "$2.95" in fees and "$102.95" in fees  # card: 2.95 %
    assert "$0.95" in fees and "$100.95" in fees  # bank account: flat 0.95


def test_card_payment_charges_once_posts_once_and_emails_a_receipt(cows, riverton, account, client_for,
                                                                   django_capture_on_commit_callbacks):
    client = client_for(riverton.resident, riverton.tenant)
    response = start_utility_payment(client, account, "50.00", card_token(client))
    assert response.status_code == 302
    reference = reference_of(response)
    confirm = html.unescape(client.get(f"/pay/{reference}/confirm/").content.decode())
    assert "$1.50" in confirm  # 2.95 % of 50 is 1.48: the minimum card fee applies
    assert "$51.50" in confirm and "Visa •••• 4242" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/pay/{reference}/confirm/").status_code == 302
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "charged" and payment.total == Decimal("51.50")
    page = html.unescape(client.get(f"/pay/{reference}/").content.decode())
    assert "Received, posting to the city's records pending" in page

    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    payment.refresh_from_db()
    assert payment.state == "posted"
    item = payment.items.get()
    receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()
    assert receipt["confirmation_number"] == item.confirmation_number
    assert Decimal(receipt["amount"]) == Decimal("50.00")
    page = html.unescape(client.get(f"/pay/{reference}/").content.decode())
    assert f"Confirmation {item.confirmation_number}" in page
    assert [m.to for m in mail.outbox if "receipt" in m.subject.lower()] == [["rosa@example.org"]]
    assert "$51.50" in mail.outbox[-1].body
    assert SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).count() == 1


def test_bank_account_payment_has_the_ach_fee(cows, riverton, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "80.00", bank_token(client), kind="ach"))
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "charged" and payment.fee == Decimal("0.95") and payment.method_brand == "Checking"
    assert payment.method_last4 == BANK_OK[-4:]


@pytest.mark.parametrize("number, message", [(DECLINED, "declined"), (NO_FUNDS, "not enough funds")])
def test_declined_card_says_why_and_nothing_is_posted(cows, riverton, account, client_for, number, message):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "20.00", card_token(client, number)))
    response = client.post(f"/pay/{reference}/confirm/", follow=True)
    assert message in html.unescape(response.content.decode())
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "failed"
    assert payment.items.get().post_state == "void"
    assert posting.post_due_items() == {}


@pytest.mark.parametrize("amount, message", [
    ("0", "more than zero"), ("-5", "more than zero"), ("abc", "as a number"), ("12.345", "dollars and cents"),
    ("99999999999", "far too large"), ("6000", "largest payment online"), ("", "Enter an amount"),
    ("NaN", "as a number"), ("1e5", "largest payment online"),
])
def test_bad_amounts_are_refused_with_a_clear_message_and_nothing_is_saved(cows, riverton, account, client_for,
                                                                         amount, message):
    client = client_for(riverton.resident, riverton.tenant)
    response = start_utility_payment(client, account, amount, card_token(client))
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert not Payment.objects.exists()


def test_overpayment_beyond_the_office_limit_is_refused(cows, riverton, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    balance = Decimal(cows.get(f"/accounts/{account}", office="riverton").json()["balance_due"])
    too_much = max(balance, Decimal(0)) + Decimal("500.01")
    response = start_utility_payment(client, account, f"{too_much:.2f}", card_token(client))
    assert "You can pay at most" in html.unescape(response.content.decode())


def test_save_to_wallet_then_pay_with_the_saved_card(cows, riverton, account, client_for,
                                                     django_capture_on_commit_callbacks):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "10.00", card_token(client), save=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pay/{reference}/confirm/")
    method = PaymentMethod.objects.get(user=riverton.resident)
    assert method.label == "Visa •••• 4242"
    response = client.post(f"/pay/utility/{account}/", {"amount": "11.00", "method": f"saved-{method.id}", "action": "pay"})
    reference2 = reference_of(response)
    client.post(f"/pay/{reference2}/confirm/")
    assert Payment.objects.get(reference=reference2).state == "charged"
    assert "Visa •••• 4242" in html.unescape(client.get("/pay/wallet/").content.decode())


def test_someone_elses_payment_is_404(cows, riverton, lakeside, larry, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "10.00", card_token(client)))
    for other in (client_for(larry, riverton.tenant), client_for(lakeside.resident, lakeside.tenant)):
        assert other.get(f"/pay/{reference}/confirm/").status_code == 404
        assert other.post(f"/pay/{reference}/confirm/").status_code == 404
        assert other.get(f"/pay/{reference}/").status_code == 404
    assert Payment.objects.get(reference=reference).state == "created"


def test_payment_pages_only_load_scripts_from_our_origin(cows, riverton, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    response = client.get(f"/pay/utility/{account}/")
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1).split()
    assert script_src[0] == "'self'" and [s[:7] for s in script_src[1:]] == ["'nonce-"] and "frame-ancestors 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    for src in re.findall(r'<script[^>]+src="([^"]+)"', response.content.decode()):
        assert src.startswith("/static/"), src


def test_udf_blocked_card_cannot_pay_by_card(cows, riverton, account, client_for):
    number = cows.samples("riverton")[0]["customer_number"]
    cows.set_flags("riverton", number, BLOCK_CC=True)
    try:
        client = client_for(riverton.resident, riverton.tenant)
        page = html.unescape(client.get(f"/pay/utility/{account}/").content.decode())
        assert "does not accept card payments for this account" in page
        assert 'value="new-card"' not in page
        response = start_utility_payment(client, account, "10.00", card_token(client))
        assert "cannot be paid by card" in html.unescape(response.content.decode())
        assert not Payment.objects.exists()
        # A bank account still works.
        assert start_utility_payment(client, account, "10.00", bank_token(client), kind="ach").status_code == 302
    finally:
        cows.set_flags("riverton", number, BLOCK_CC=False)


def test_udf_names_are_the_offices_setting(cows, riverton, account, client_for):
    settings = riverton.tenant.payment_settings
    settings.udf_block_ach = "NO ACH PLEASE"  # the office named its box differently
    settings.save()
    number = cows.samples("riverton")[0]["customer_number"]
    cows.set_flags("riverton", number, BLOCK_ACH=True)
    try:
        client = client_for(riverton.resident, riverton.tenant)
        response = start_utility_payment(client, account, "10.00", bank_token(client), kind="ach")
        assert response.status_code == 302  # "BLOCK ACH" is not the box this office uses
    finally:
        cows.set_flags("riverton", number, BLOCK_ACH=False)


def test_the_confirmation_refreshes_itself_until_posted(cows, riverton, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "12.00", card_token(client)))
    client.post(f"/pay/{reference}/confirm/")
    assert 'hx-trigger="every 3s"' in client.get(f"/pay/{reference}/").content.decode()
    posting.post_payment_items(payment_id=Payment.objects.get(reference=reference).id)
    assert 'hx-trigger="every 3s"' not in client.get(f"/pay/{reference}/").content.decode()
