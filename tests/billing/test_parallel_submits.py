"""Twenty Pay presses at once, over real HTTP: one charge at the provider, one receipt at the office.

A live server (its own thread per request, each with its own database connection) takes twenty
POSTs of the confirmation form from twenty threads released together by a barrier, on SQLite
and on PostgreSQL alike; every one of them ends on the payment's page.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings

from billing.payments import posting
from billing.payments.models import Payment
from sandboxpay.models import SandboxCharge
from tests.conftest import link_sample

from .payhelpers import card_token, reference_of, start_utility_payment

PRESSES = 20
RECEIVED = "Thank you! Your payment was received."
PROCESSING = "Your payment is being processed"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def signed_in_tab(live_server, client):
    """A browser tab of the person signed in on ``client`` (their session cookie), talking to the live server."""
    tab = requests.Session()
    tab.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    tab.headers["Host"] = f"{client.host}:{urlsplit(live_server.url).port}"
    return tab


@pytest.mark.django_db(transaction=True)
def test_twenty_pay_presses_at_once_charge_once_post_one_receipt_and_all_see_the_payment(
        live_server, own_office, riverton, client_for):
    office = own_office(riverton, "parallel-pay", customers=10, seed=12)
    account = link_sample(office, riverton)
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "30.00", card_token(client)))
    confirm = f"{live_server.url}/pay/{reference}/confirm/"

    # Twenty tabs of Rosa's, each with the confirmation page open (and its form's CSRF token).
    tabs = []
    for _ in range(PRESSES):
        tab = signed_in_tab(live_server, client_for(riverton.resident, riverton.tenant))
        page = tab.get(confirm, timeout=30)
        assert page.status_code == 200 and "$31.50" in page.text  # 30.00 and the minimum card fee, not yet paid
        tabs.append((tab, CSRF_INPUT.search(page.text).group(1)))

    barrier = threading.Barrier(PRESSES)
    answers: list = [None] * PRESSES

    def press_pay(n: int) -> None:
        tab, token = tabs[n]
        barrier.wait(timeout=30)
        try:
            answers[n] = tab.post(confirm, data={"csrfmiddlewaretoken": token}, headers={"Referer": confirm},
                                  timeout=60)
        except requests.RequestException as exc:  # recorded, so the assertion below names it
            answers[n] = exc

    threads = [threading.Thread(target=press_pay, args=(n,)) for n in range(PRESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Every press ends on the payment's page: received, or (while the first press is still charging) processing.
    result_path = f"/pay/{reference}/"
    seen = [(a.status_code, urlsplit(a.url).path, RECEIVED in a.text, PROCESSING in a.text)
            if isinstance(a, requests.Response) else repr(a) for a in answers]
    assert all(s[:2] == (200, result_path) and (s[2] or s[3]) for s in seen), seen
    assert any(s[2] for s in seen), seen  # the press that charged saw the payment received

    client.get(f"/pay/{reference}/confirm/")  # a refresh of the confirmation charges nothing more
    payment = Payment.objects.get(reference=reference)
    assert payment.state == Payment.State.CHARGED
    assert list(SandboxCharge.objects.filter(tenant_slug=riverton.tenant.slug)
                .values_list("idempotency_key", flat=True)) == [payment.idempotency_key]
    assert payment.events.filter(to_state=Payment.State.CHARGED).count() == 1

    assert posting.post_due_items(tenant=riverton.tenant, force=True) == {"posted": 1}
    item = payment.items.get()
    receipt = office.get(f"/receipts/{item.reference}", office="parallel-pay").json()
    day_list = office.get("/receipts", office="parallel-pay", params={"date": receipt["posted_at"][:10]}).json()
    assert [r["reference"] for r in day_list["receipts"]] == [item.reference]  # the office's only receipt
    assert receipt["confirmation_number"] == item.confirmation_number
