"""The office's payment and AutoPay screens are for this city's office admins only, and show only this city."""

import pytest

from billing.payments.models import Payment

from ..factories import PaymentFactory
from .test_autopay_access import PAGES as AUTOPAY_PAGES

PAGES = [
    ("get", "/office/payments/pending/"),
    ("post", "/office/payments/pending/retry/"),
    ("get", "/office/payments/"),
    ("get", "/office/payments/export.xlsx"),
    ("get", "/office/settings/payments/"),
    ("post", "/office/settings/payments/"),
    ("get", "/office/settings/payments/fee-preview/"),
] + AUTOPAY_PAGES


def call(client, method, url):
    return getattr(client, method)(url)


@pytest.mark.parametrize("method, url", PAGES)
def test_residents_get_404(riverton, larry, client_for, method, url):
    for person in (riverton.resident, larry):
        assert call(client_for(person, riverton.tenant), method, url).status_code == 404


@pytest.mark.parametrize("method, url", PAGES)
def test_another_citys_clerk_gets_404(riverton, lakeside, client_for, method, url):
    # Lars is an office admin of Lakeside; signed in at Riverton he is no one's admin.
    assert call(client_for(lakeside.clerk, riverton.tenant), method, url).status_code == 404


@pytest.mark.parametrize("method, url", PAGES)
def test_anonymous_is_sent_to_sign_in(riverton, anon_client, method, url):
    response = call(anon_client(riverton.tenant), method, url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_resident_changes_nothing_by_posting(riverton, client_for):
    waiting = PaymentFactory(city=riverton, state=Payment.State.CHARGED, items=1)
    client = client_for(riverton.resident, riverton.tenant)
    assert client.post("/office/payments/pending/retry/").status_code == 404
    assert client.post("/office/settings/payments/", {"card_fee_percent": "9"}).status_code == 404
    assert waiting.items.get().attempts == 0
    assert riverton.tenant.payment_settings.card_fee_percent != 9


def test_lakesides_clerk_sees_none_of_rivertons_payments(riverton, lakeside, client_for):
    posted = PaymentFactory(city=riverton, items=1, email="rosa@example.org")
    waiting = PaymentFactory(city=riverton, state=Payment.State.CHARGED, items=1)
    theirs = PaymentFactory(city=lakeside, state=Payment.State.CHARGED, items=1, email="lena@example.org",
                          customer_number="009-0001-00")
    lars = client_for(lakeside.clerk, lakeside.tenant)
    pending = lars.get("/office/payments/pending/").content.decode()
    assert theirs.reference in pending and waiting.reference not in pending
    listed = lars.get("/office/payments/").content.decode()
    assert theirs.reference in listed
    assert posted.reference not in listed and waiting.reference not in listed and "rosa@example.org" not in listed
    for query in ({"q": posted.reference}, {"q": "rosa@example.org"}, {"q": "0042"}):
        body = lars.get("/office/payments/", query).content.decode()
        assert "No payments match these filters." in body and "0 payments" in body
    overview = lars.get("/office/").content.decode()
    assert "1 payment is waiting" in overview
