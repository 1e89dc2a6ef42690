import html
from decimal import Decimal

from django.core import mail
from django.test import Client

from billing.payments import posting
from billing.payments.models import CartItem, Payment
from tests.conftest import link_sample

from .payhelpers import card_token, reference_of


def categories(cows):
    return cows.get("/cash-receipting/categories", office="riverton").json()["categories"]


def pick(cows, interfaced: bool):
    for c in categories(cows):
        if c["interfaced"] == interfaced:
            for d in c["distributions"]:
                if d["allow_portal_payments"]:
                    return c, d
    raise AssertionError("no such category")


def permit(cows):
    for c in categories(cows):
        if c["interfaced"] and "ermit" in (c["reference_label"] or ""):
            d = next(d for d in c["distributions"] if d["allow_portal_payments"])
            return c, d
    raise AssertionError("no permit category")


def test_only_distributions_allowing_portal_payments_are_offered(cows, riverton, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    for c in categories(cows):
        body = html.unescape(client.get("/pay/other/", {"category": c["code"]}).content.decode())
        for d in c["distributions"]:
            assert (f'value="{d["code"]}"' in body) == d["allow_portal_payments"], (c["name"], d["name"])


def test_guest_pays_a_pavilion_rental_and_gets_a_receipt(cows, riverton, django_capture_on_commit_callbacks):
    c, d = pick(cows, interfaced=False)
    guest = Client(HTTP_HOST="riverton.localhost")
    landing = html.unescape(guest.get("/").content.decode())
    assert "Pay Now" in landing
    token = card_token(guest)
    response = guest.post("/pay/other/", {"category": c["code"], "distribution": d["code"], "payor": "Pat Picnic",
                                          "amount": "75.00", "email": "pat@example.org", "comment": "June 3 party",
                                          "method": "new-card", "new_token": token, "action": "pay"})
    assert response.status_code == 302, html.unescape(response.content.decode())[-2000:]
    reference = reference_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        guest.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.user is None and payment.state == "charged"
    posting.post_payment_items(payment_id=payment.id)
    item = payment.items.get()
    receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()
    assert receipt["payor"] == "Pat Picnic" and receipt["distribution"] == d["code"]
    assert any(m.to == ["pat@example.org"] for m in mail.outbox)
    # Another browser cannot see the guest's payment.
    assert Client(HTTP_HOST="riverton.localhost").get(f"/pay/{reference}/").status_code == 404


def test_guest_payments_off_sends_guests_to_log_in(cows, riverton):
    settings = riverton.tenant.payment_settings
    settings.allow_guest_payments = False
    settings.save()
    guest = Client(HTTP_HOST="riverton.localhost")
    assert "Pay Now" not in guest.get("/").content.decode()
    response = guest.get("/pay/other/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_interfaced_category_checks_the_permit_number(cows, riverton, client_for):
    c, d = permit(cows)
    client = client_for(riverton.resident, riverton.tenant)
    bad = client.post("/pay/other/", {"category": c["code"], "distribution": d["code"],
                                      "category_reference": "BP-1999-9999", "amount": "50", "method": "new-card",
                                      "new_token": card_token(client)})
    assert bad.status_code == 400
    assert "couldn't find permit number BP-1999-9999" in html.unescape(bad.content.decode())
    assert not Payment.objects.exists()


def test_comment_required_when_the_office_says_so(cows, riverton, client_for):
    settings = riverton.tenant.payment_settings
    settings.require_comment_for_other_payments = True
    settings.save()
    c, d = pick(cows, interfaced=False)
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post("/pay/other/", {"category": c["code"], "distribution": d["code"], "payor": "Rosa",
                                           "amount": "10", "method": "new-card", "new_token": card_token(client)})
    assert "Add a comment so the office can match your payment." in response.content.decode()
    assert not Payment.objects.exists()


def test_cart_of_two_accounts_and_a_permit_pays_once_with_three_receipts(cows, riverton, client_for,
                                                                        django_capture_on_commit_callbacks):
    client = client_for(riverton.resident, riverton.tenant)
    keys = []
    for index in range(2):
        key = link_sample(cows, riverton, index)
        keys.append(key)
        assert client.post(f"/pay/utility/{key}/", {"amount": "20.00", "action": "cart"}).status_code == 302
    c, d = permit(cows)
    valid = next(p for p in ["BP-2026-0001", "BP-2025-0001", "BP-2026-0002"]
                 if cows.post("/cash-receipting/validate", office="riverton",
                              json={"category": c["code"], "distribution": d["code"], "reference": p}).json()["valid"])
    assert client.post("/pay/other/", {"category": c["code"], "distribution": d["code"], "category_reference": valid,
                                       "amount": "120.00", "action": "cart"}).status_code == 302
    cart = html.unescape(client.get("/pay/cart/").content.decode())
    assert "$160.00" in cart
    response = client.post("/pay/cart/", {"method": "new-card", "new_token": card_token(client)})
    reference = reference_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    assert payment.amount == Decimal("160.00") and payment.items.count() == 3
    assert not CartItem.objects.exists()
    assert posting.post_payment_items(payment_id=payment.id) == ["posted"] * 3
    confirmations = {i.confirmation_number for i in payment.items.all()}
    assert len(confirmations) == 3
    for item in payment.items.all():
        assert cows.get(f"/receipts/{item.reference}", office="riverton").json()["confirmation_number"] == item.confirmation_number


def test_cart_is_each_persons_own(cows, riverton, larry, client_for):
    c, d = pick(cows, interfaced=False)
    rosa = client_for(riverton.resident, riverton.tenant)
    rosa.post("/pay/other/", {"category": c["code"], "distribution": d["code"], "payor": "Rosa", "amount": "10",
                              "action": "cart"})
    item = CartItem.objects.get()
    assert "Rosa" not in client_for(larry, riverton.tenant).get("/pay/cart/").content.decode()
    assert client_for(larry, riverton.tenant).post(f"/pay/cart/{item.id}/remove/").status_code == 404
    assert CartItem.objects.count() == 1


def test_other_payments_when_the_office_is_down_say_so(cows, riverton, client_for):
    cows.set_fault(operation="categories", mode="error", status=503)
    response = client_for(riverton.resident, riverton.tenant).get("/pay/other/")
    assert response.status_code == 503
    assert "can't reach the city's records" in html.unescape(response.content.decode())
