"""Paying through the portal's own views with Stripe, against a real localstripe (no mocks)."""

import html
import re
from collections import deque
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail

from billing.payments import checkout, posting
from billing.payments.models import Payment, PaymentMethod
from billing.payments.providers import ProviderError, get_provider
from billing.payments.providers import stripe as stripe_provider
from billing.payments.providers.stripe import PaymentPending
from customers.linking import link_account
from customers.models import LandlordLink
from tests.conftest import link_sample

from .payhelpers import reference_of, start_utility_payment

VISA = "4242424242424242"
DECLINES_AT_CONFIRM = "4000000000000341"
THREE_D_SECURE = "4000002500003155"


def page(client, url) -> str:
    return html.unescape(client.get(url, follow=True).content.decode())


def intents_for(localstripe, reference):
    return [i for i in localstripe.payment_intents() if i["metadata"].get("reference") == reference]


def test_card_payment_is_charged_once_and_posted_to_the_office_once(
        cows, riverton, stripe_riverton, localstripe, account, client_for, django_capture_on_commit_callbacks):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "50.00", localstripe.card(VISA)))
    confirm = page(client, f"/pay/{reference}/confirm/")
    assert "$51.50" in confirm and "Visa •••• 4242" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/pay/{reference}/confirm/")
    assert response["Location"] == f"/pay/{reference}/"

    payment = Payment.objects.get(reference=reference)
    assert (payment.state, payment.provider, payment.total) == ("charged", "stripe", Decimal("51.50"))
    [intent] = localstripe.payment_intents()
    assert intent["id"] == payment.provider_payment_id
    assert (intent["amount"], intent["currency"], intent["status"]) == (5150, "usd", "succeeded")
    assert intent["metadata"]["reference"] == reference and intent["metadata"]["tenant"] == "riverton"
    assert len(localstripe.charges()) == 1

    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    assert posting.post_payment_items(payment_id=payment.id, force=True) == []  # nothing left to post
    item = payment.items.get()
    assert posting.post_item(item_id=item.id, force=True) == "skipped"
    item.refresh_from_db()
    receipts = cows.get("/receipts", office="riverton").json()["receipts"]
    assert [r["reference"] for r in receipts].count(item.reference) == 1
    assert Decimal(cows.get(f"/receipts/{item.reference}", office="riverton").json()["amount"]) == Decimal("50.00")
    payment.refresh_from_db()
    assert payment.state == "posted"
    assert f"Confirmation {item.confirmation_number}" in page(client, f"/pay/{reference}/")
    assert [m.to for m in mail.outbox if "receipt" in m.subject.lower()] == [["rosa@example.org"]]


def test_declined_card_says_why_and_nothing_is_posted(cows, riverton, stripe_riverton, localstripe, account,
                                                      client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "20.00", localstripe.card(DECLINES_AT_CONFIRM)))
    response = client.post(f"/pay/{reference}/confirm/", follow=True)
    assert "Your card was declined." in html.unescape(response.content.decode())
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "failed" and payment.failure_reason == "Your card was declined."
    assert payment.items.get().post_state == "void"
    assert posting.post_due_items() == {}
    assert [c["status"] for c in localstripe.charges()] == ["failed"]


def test_confirming_again_and_asking_again_with_the_same_key_makes_one_intent(
        cows, riverton, stripe_riverton, localstripe, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "30.00", localstripe.card(VISA)))
    for _ in range(3):
        client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    # A retry after a lost answer (recover_processing asks the provider again with the same key):
    provider = get_provider(riverton.tenant)
    again = provider.charge(amount=payment.total, token=payment.method_token, customer_token="", customer_present=True,
                            idempotency_key=payment.idempotency_key, description="again",
                            metadata={"reference": reference, "tenant": "riverton"})
    assert again.succeeded and again.provider_payment_id == payment.provider_payment_id
    assert len(localstripe.payment_intents()) == 1 and len(localstripe.charges()) == 1
    assert payment.events.filter(to_state="charged").count() == 1


def test_unreachable_stripe_leaves_the_payment_processing_and_a_later_ask_charges_it_once(
        cows, riverton, stripe_riverton, localstripe, account, client_for, settings):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "12.00", localstripe.card(VISA)))
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "processing"
    assert "being processed" in page(client, f"/pay/{reference}/")
    settings.STRIPE_API_BASE = localstripe.api_base
    assert checkout.recover_processing(older_than=timedelta(0)) == 1
    payment.refresh_from_db()
    assert payment.state == "charged"
    assert len(localstripe.payment_intents()) == 1


def test_save_to_wallet_then_pay_with_the_saved_card(cows, riverton, stripe_riverton, localstripe, account,
                                                     client_for, django_capture_on_commit_callbacks):
    client = client_for(riverton.resident, riverton.tenant)
    token = localstripe.card(VISA)
    reference = reference_of(start_utility_payment(client, account, "10.00", token, save=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pay/{reference}/confirm/")
    method = PaymentMethod.objects.get(user=riverton.resident)
    assert (method.provider, method.token, method.label) == ("stripe", token, "Visa •••• 4242")
    assert method.customer_token.startswith("cus_") and (method.exp_month, method.exp_year) == (12, 2030)
    assert localstripe.get(f"/v1/payment_methods/{token}")["customer"] == method.customer_token

    response = client.post(f"/pay/utility/{account}/", {"amount": "11.00", "method": f"saved-{method.id}",
                                                                 "action": "pay"})
    reference2 = reference_of(response)
    client.post(f"/pay/{reference2}/confirm/")
    second = Payment.objects.get(reference=reference2)
    assert second.state == "charged"
    [intent] = intents_for(localstripe, reference2)
    # $11.00 and the $1.50 minimum card fee:
    assert (intent["customer"], intent["payment_method"], intent["amount"]) == (method.customer_token, token, 1250)

    # The next card saved joins the same Stripe customer.
    token2 = localstripe.card("5555555555554444")
    reference3 = reference_of(start_utility_payment(client, account, "9.00", token2, save=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pay/{reference3}/confirm/")
    assert set(PaymentMethod.objects.filter(user=riverton.resident).values_list("customer_token", flat=True)) == {
        method.customer_token}


def test_deleting_a_saved_card_detaches_it_at_stripe(cows, riverton, stripe_riverton, localstripe, account,
                                                     client_for, django_capture_on_commit_callbacks):
    client = client_for(riverton.resident, riverton.tenant)
    token = localstripe.card(VISA)
    reference = reference_of(start_utility_payment(client, account, "10.00", token, save=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pay/{reference}/confirm/")
    method = PaymentMethod.objects.get(user=riverton.resident)
    assert localstripe.get(f"/v1/payment_methods/{token}")["customer"] == method.customer_token
    response = client.post(f"/pay/wallet/{method.id}/delete/", follow=True)
    assert "was removed from your wallet" in html.unescape(response.content.decode())
    assert localstripe.get(f"/v1/payment_methods/{token}")["customer"] is None
    method.refresh_from_db()
    assert method.deleted_at is not None
    assert "Visa •••• 4242" not in page(client, "/pay/wallet/")


def test_someone_elses_saved_card_cannot_be_used_as_a_new_card(cows, riverton, larry, stripe_riverton, localstripe,
                                                                account, client_for,
                                                                django_capture_on_commit_callbacks):
    rosa = client_for(riverton.resident, riverton.tenant)
    token = localstripe.card(VISA)
    reference = reference_of(start_utility_payment(rosa, account, "10.00", token, save=True))
    with django_capture_on_commit_callbacks(execute=True):
        rosa.post(f"/pay/{reference}/confirm/")
    larrys = link_sample(cows, riverton, 1, user=larry)
    other = client_for(larry, riverton.tenant)
    reference2 = reference_of(start_utility_payment(other, larrys, "10.00", token))
    other.post(f"/pay/{reference2}/confirm/")
    assert Payment.objects.get(reference=reference2).state == "failed"
    assert intents_for(localstripe, reference2) == []


def test_three_d_secure_keeps_the_payment_processing_until_the_bank_check_is_done(
        cows, riverton, stripe_riverton, localstripe, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card(THREE_D_SECURE)))
    response = client.post(f"/pay/{reference}/confirm/")
    assert response["Location"] == f"/pay/{reference}/confirm/"
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "processing" and payment.provider_payment_id.startswith("pi_")

    verify = client.get(f"/pay/{reference}/confirm/")
    body = verify.content.decode()
    assert "Verify your payment with your bank" in body
    secret = re.search(r'data-client-secret="([^"]+)"', body).group(1)
    assert secret.startswith(payment.provider_payment_id + "_secret_")
    assert f'src="{localstripe.js_url}"' in body and 'data-stripe-key="pk_test_riverton_public"' in body
    csp = verify["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1).split()
    assert localstripe.url in script_src and "'unsafe-inline'" not in script_src
    assert "https://hooks.stripe.com" in re.search(r"frame-src ([^;]+)", csp).group(1)
    assert not re.search(r"<script(?![^>]*\bsrc=)", body), "no inline scripts"
    assert Payment.objects.get(reference=reference).state == "processing"  # looking changes nothing

    localstripe.authenticate(secret, stripe_riverton.publishable_key, success=True)  # what Stripe.js does
    response = client.post(f"/pay/{reference}/confirm/", follow=True)
    assert "Thank you! Your payment was received." in html.unescape(response.content.decode())
    payment.refresh_from_db()
    assert payment.state == "charged"
    assert len(localstripe.payment_intents()) == 1 and len(localstripe.charges()) == 1


def test_three_d_secure_failed_says_why_and_charges_nothing(cows, riverton, stripe_riverton, localstripe,
                                                            account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card(THREE_D_SECURE)))
    client.post(f"/pay/{reference}/confirm/")
    secret = re.search(r'data-client-secret="([^"]+)"', page(client, f"/pay/{reference}/confirm/")).group(1)
    localstripe.authenticate(secret, stripe_riverton.publishable_key, success=False)
    response = client.post(f"/pay/{reference}/confirm/", follow=True)
    assert "failed authentication" in html.unescape(response.content.decode())
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "failed" and payment.items.get().post_state == "void"
    assert localstripe.charges() == []


def test_a_closed_tab_after_three_d_secure_is_recorded_by_recover_processing(
        cows, riverton, stripe_riverton, localstripe, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card(THREE_D_SECURE)))
    client.post(f"/pay/{reference}/confirm/")
    assert checkout.recover_processing(older_than=timedelta(0)) == 1  # still waiting on the customer
    assert Payment.objects.get(reference=reference).state == "processing"
    secret = re.search(r'data-client-secret="([^"]+)"', page(client, f"/pay/{reference}/confirm/")).group(1)
    localstripe.authenticate(secret, stripe_riverton.publishable_key, success=True)
    checkout.recover_processing(older_than=timedelta(0))
    assert Payment.objects.get(reference=reference).state == "charged"
    assert len(localstripe.payment_intents()) == 1


def test_an_abandoned_three_d_secure_check_is_cancelled_and_fails(cows, riverton, stripe_riverton, localstripe,
                                                                  account, client_for, monkeypatch):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card(THREE_D_SECURE)))
    client.post(f"/pay/{reference}/confirm/")
    monkeypatch.setattr(stripe_provider, "ABANDONED_AFTER", timedelta(seconds=-5))
    checkout.recover_processing(older_than=timedelta(0))
    payment = Payment.objects.get(reference=reference)
    assert payment.state == "failed" and "cancelled" in payment.failure_reason
    [intent] = localstripe.payment_intents()
    assert intent["status"] == "canceled" and localstripe.charges() == []


def test_the_provider_raises_pending_for_three_d_secure_with_the_client_secret(
        cows, riverton, stripe_riverton, localstripe, account, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "40.00", localstripe.card(THREE_D_SECURE)))
    payment = Payment.objects.get(reference=reference)
    with pytest.raises(PaymentPending) as caught:
        get_provider(riverton.tenant).charge(amount=payment.total, token=payment.method_token, customer_token="", customer_present=True,
                                             idempotency_key=payment.idempotency_key, description="x",
                                             metadata={"reference": reference})
    assert isinstance(caught.value, ProviderError)  # checkout keeps the payment processing
    assert caught.value.outcome.requires_action and caught.value.outcome.client_secret.startswith("pi_")


# --- wallet isolation: a landlord and a tenant paying the same account ------------------------------

SKIP = ("/accounts/logout", "/static/", "/media/", "/sandboxpay/")


def crawl(client, start: list[str], limit: int = 250) -> dict[str, str]:
    """Every page of the city reachable by links from `start` (GET only), as HTML.

    PDFs are left out, and of pages that differ only by a bill or entry id, three of each account.
    """
    seen: dict[str, str] = {}
    shapes: dict[str, int] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen or url.startswith(SKIP) or url.endswith(".pdf"):
            continue
        shape = re.sub(r"/[A-Z]+\d+-\d+/", "/ID/", url)
        shapes[shape] = shapes.get(shape, 0) + 1
        if shapes[shape] > 3:
            continue
        response = client.get(url)
        seen[url] = response.content.decode(errors="replace") if response.status_code == 200 else ""
        if response.status_code in (301, 302):
            queue.append(response["Location"])
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)', seen[url]):
            parts = urlsplit(html.unescape(href))
            if parts.netloc or not parts.path.startswith("/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_landlord_and_tenant_never_see_each_others_stripe_ids_on_any_page(
        cows, riverton, larry, stripe_riverton, localstripe, client_for, django_capture_on_commit_callbacks):
    landlords = cows.get("/landlords?q=", office="riverton").json()["landlords"]
    landlord = next(l for l in landlords if l["customer_numbers"])
    number = landlord["customer_numbers"][0]
    office = cows.get(f"/accounts/{number}", office="riverton").json()
    link_account(tenant=riverton.tenant, user=riverton.resident, customer_number=number, last_name=office["last_name"])
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=landlord["id"])
    key = number.replace("-", "")
    rosa, landlord_client = client_for(riverton.resident, riverton.tenant), client_for(larry, riverton.tenant)
    landlord_client.get("/utility/")  # the landlord's accounts, as the office lists them

    ids, references = {}, {}
    for who, client, card in (("rosa", rosa, VISA), ("larry", landlord_client, "5555555555554444")):
        token = localstripe.card(card)
        reference = reference_of(start_utility_payment(client, key, "10.00", token, save=True))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/pay/{reference}/confirm/")
        method = PaymentMethod.objects.get(user=riverton.resident if who == "rosa" else larry)
        ids[who] = {method.token, method.customer_token, Payment.objects.get(reference=reference).provider_payment_id}
        references[who] = reference
    assert all(i.startswith(("pm_", "cus_", "pi_")) for s in ids.values() for i in s)
    assert not ids["rosa"] & ids["larry"]

    for who, client in (("rosa", rosa), ("larry", landlord_client)):
        other = "larry" if who == "rosa" else "rosa"
        own = references[who]
        pages = crawl(client, ["/", "/utility/", "/pay/wallet/", f"/pay/utility/{key}/", f"/pay/{own}/",
                               f"/pay/{own}/confirm/", "/pay/cart/", "/pay/other/", "/profile/"])
        for must in ("/pay/wallet/", f"/pay/utility/{key}/", f"/pay/{own}/", "/utility/"):
            assert pages.get(must), f"{who} could not open {must}"
        assert len([p for p in pages.values() if p]) >= 8, sorted(pages)
        for url, body in pages.items():
            for secret in ids[other]:
                assert secret not in body, f"{who} sees {other}'s {secret[:4]}… on {url}"
            assert not re.search(r"\b(pm|cus|pi)_[A-Za-z0-9]{6,}", body), f"a Stripe id on {url} for {who}"
        assert client.get(f"/pay/{references[other]}/").status_code == 404
