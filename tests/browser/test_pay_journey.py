import re

from playwright.sync_api import expect
import pytest

from billing.payments import posting
from billing.payments.models import Payment
from customers.linking import link_account

from .conftest import assert_accessible, city_url, read_mails, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link(cows, riverton, i=0):
    s = cows.samples("riverton")[i]
    link_account(tenant=riverton.tenant, user=riverton.resident, customer_number=s["customer_number"],
                 last_name=s["last_name"])
    return s["customer_number"]


def enter_card(page, number="4242 4242 4242 4242"):
    page.get_by_label("New card").check()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")


def post_all():
    for payment in Payment.objects.filter(state="charged"):
        posting.post_payment_items(payment_id=payment.id)


def test_resident_pays_by_card_then_by_bank_sees_fees_first_and_gets_receipts(live_server, page, cows, riverton,
                                                                              password, mail_dir):
    number = link(cows, riverton)
    sign_in(page, live_server, riverton.resident, password)
    page.goto(city_url(live_server, "riverton", "/utility/"))
    page.get_by_role("link", name="Make a Payment").click()
    page.get_by_label("Amount to pay").fill("100.00")
    fees = page.get_by_role("table", name="Service fee by payment type")
    fees.get_by_text("$102.95").wait_for()  # card, before choosing
    expect(fees.get_by_text("$100.95")).to_be_visible()  # bank account
    assert_accessible(page)
    enter_card(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Confirm your payment").wait_for()
    expect(page.get_by_role("cell", name="$102.95")).to_be_visible()
    expect(page.get_by_text("Visa •••• 4242")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Pay $102.95").click()
    page.get_by_role("heading", name="Thank you! Your payment was received.").wait_for()
    assert_accessible(page)
    post_all()
    page.reload()
    item = Payment.objects.get().items.get()
    expect(page.get_by_text(f"Confirmation {item.confirmation_number}")).to_be_visible()
    assert cows.get(f"/receipts/{item.reference}", office="riverton").json()["customer_number"] == number

    page.goto(city_url(live_server, "riverton", "/utility/"))
    page.get_by_role("link", name="Make a Payment").click()
    page.get_by_label("Amount to pay").fill("40.00")
    page.get_by_label("New bank account (ACH)").check()
    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Account number").fill("000123456789")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("Checking •••• 6789").wait_for()
    page.get_by_role("button", name="Pay $40.95").click()
    page.get_by_role("heading", name="Thank you! Your payment was received.").wait_for()
    receipts = [m for m in read_mails(mail_dir) if "receipt" in m["Subject"].lower()]
    assert len(receipts) == 2


def test_bad_card_number_is_refused_by_the_provider_with_a_clear_message(live_server, page, cows, riverton, password):
    link(cows, riverton)
    sign_in(page, live_server, riverton.resident, password)
    key = cows.samples("riverton")[0]["customer_number"].replace("-", "")
    page.goto(city_url(live_server, "riverton", f"/pay/utility/{key}/"))
    page.get_by_label("Amount to pay").fill("10.00")
    enter_card(page, "4242 4242 4242 4241")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("alert").get_by_text("This card number is not valid").wait_for()
    assert not Payment.objects.exists()
    assert_accessible(page)


def test_guest_pays_a_park_pavilion_rental(live_server, page, cows, riverton, mail_dir):
    cats = cows.get("/cash-receipting/categories", office="riverton").json()["categories"]
    park = next(c for c in cats if not c["interfaced"] and any(d["allow_portal_payments"] for d in c["distributions"]))
    pavilion = next(d for d in park["distributions"] if d["allow_portal_payments"])
    page.goto(city_url(live_server, "riverton"))
    page.get_by_role("link", name="Pay Now").click()
    page.get_by_role("heading", name="Pay as Guest").wait_for()
    page.get_by_label("Department").select_option(label=park["name"])
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Payment type").select_option(label=pavilion["name"])
    page.get_by_role("button", name="Next").click()
    assert_accessible(page)
    page.get_by_label("Name of the payor").fill("Pat Picnic")
    page.get_by_label("Amount").fill("75")
    page.get_by_label("Email for the receipt").fill("pat@example.org")
    enter_card(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile(r"Pay \$")).click()
    page.get_by_role("heading", name="Thank you! Your payment was received.").wait_for()
    post_all()
    item = Payment.objects.get().items.get()
    assert cows.get(f"/receipts/{item.reference}", office="riverton").json()["payor"] == "Pat Picnic"
    assert any(m["To"] == "pat@example.org" for m in read_mails(mail_dir))


def test_cart_of_two_accounts_and_a_permit(live_server, page, cows, riverton, password):
    first, second = link(cows, riverton, 0), link(cows, riverton, 1)
    sign_in(page, live_server, riverton.resident, password)
    for number in (first, second):
        page.goto(city_url(live_server, "riverton", f"/pay/utility/{number.replace('-', '')}/"))
        page.get_by_label("Amount to pay").fill("15.00")
        page.get_by_role("button", name="Add to cart").click()
        page.get_by_role("heading", name="Cart").wait_for()  # the add landed before the next page is opened
    cats = cows.get("/cash-receipting/categories", office="riverton").json()["categories"]
    permits = next(c for c in cats if c["interfaced"] and "ermit" in (c["reference_label"] or ""))
    dist = next(d for d in permits["distributions"] if d["allow_portal_payments"])
    valid = next(p for p in ["BP-2026-0001", "BP-2025-0001", "BP-2026-0002"]
                 if cows.post("/cash-receipting/validate", office="riverton", json={
                     "category": permits["code"], "distribution": dist["code"], "reference": p}).json()["valid"])
    page.goto(city_url(live_server, "riverton", f"/pay/other/?category={permits['code']}&distribution={dist['code']}"))
    page.get_by_label(permits["reference_label"]).fill(valid)
    page.get_by_label("Amount").fill("120")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("heading", name="Cart").wait_for()
    expect(page.get_by_text("$150.00")).to_be_visible()
    assert_accessible(page)
    enter_card(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile(r"Pay \$")).click()
    page.get_by_role("heading", name="Thank you! Your payment was received.").wait_for()
    post_all()
    payment = Payment.objects.get()
    assert payment.items.filter(post_state="posted").count() == 3


def test_office_down_payment_waits_then_posts_once(live_server, page, cows, riverton, password):
    number = link(cows, riverton)
    sign_in(page, live_server, riverton.resident, password)
    cows.stop()
    try:
        page.goto(city_url(live_server, "riverton", f"/pay/utility/{number.replace('-', '')}/"))
        page.get_by_label("Amount to pay").fill("25.00")
        enter_card(page)
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name=re.compile(r"Pay \$")).click()
        post_all()  # the worker's try: COWS is down
        page.reload()
        expect(page.get_by_text("Received, posting to the city's records pending")).to_be_visible()
        item = Payment.objects.get().items.get()
        assert item.post_state == "waiting" and item.last_error
    finally:
        cows.start()
    assert posting.post_due_items(force=True) == {"posted": 1}
    assert posting.post_due_items(force=True) == {}
    page.reload()
    item.refresh_from_db()
    expect(page.get_by_text(f"Confirmation {item.confirmation_number}")).to_be_visible()
    receipts = cows.get("/receipts", office="riverton").json()["receipts"]
    assert [r["reference"] for r in receipts].count(item.reference) == 1
