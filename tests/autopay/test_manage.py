"""Manage AutoPay: On/Off, the schedule and method, the next payment with its fee, and every AutoPay payment."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from autopay import charging
from autopay.models import ScheduledPayment
from billing.formatting import money
from billing.payments.posting import post_due_items
from tests.autopay.conftest import enroll, saved_method, summary
from tests.conftest import link_sample

from .pages import base, body, city_noon


def test_it_says_off_and_offers_to_set_it_up(riverton, rosa_key, client_for):
    response = client_for(riverton.resident, riverton.tenant).get(base(rosa_key))
    assert response.status_code == 200
    page = body(response)
    assert "AutoPay: Off" in page and f"{base(rosa_key)}schedule/" in page and "Turn off AutoPay" not in page


def test_it_shows_the_schedule_method_enrollment_date_and_the_next_payment_with_its_fee(riverton, rosa_key, card,
                                                                                      client_for):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        done = enroll(riverton, rosa_key, card, days=3, maximum="150")
        page = body(client_for(riverton.resident, riverton.tenant).get(base(rosa_key)))
    sp = done.scheduled
    fee = riverton.tenant.payment_settings.fee_for("card", sp.amount)
    assert "AutoPay: On" in page and "Visa •••• 4242" in page and "$150.00" in page
    enrolled = due - timedelta(days=10)
    assert f"{enrolled.strftime('%b')} {enrolled.day}, {enrolled.year}" in page
    charge = sp.charge_on
    assert f"{charge.strftime('%b')} {charge.day}, {charge.year}" in page
    assert money(sp.amount) in page and money(fee) in page
    assert "Change" in page and "Turn off AutoPay" in page


def test_every_autopay_payment_is_listed_with_its_status_confirmation_and_reason(riverton, rosa_key, card, client_for):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        done = enroll(riverton, rosa_key, card, days=3)
    with time_machine.travel(city_noon(riverton, done.scheduled.charge_on)):
        charging.charge_due(tenant=riverton.tenant)
    post_due_items(tenant=riverton.tenant, force=True)
    paid = ScheduledPayment.objects.get()
    confirmation = paid.payment.items.get().confirmation_number
    enrollment = done.enrollment
    ScheduledPayment.objects.create(
        tenant=riverton.tenant, enrollment=enrollment, account_key=rosa_key, customer_number=paid.customer_number,
        period_id=paid.period_id - 1, period_label="earlier", due_date=due - timedelta(days=30),
        charge_on=due - timedelta(days=33), amount=paid.amount, state="failed", message="Your card was declined.",
        created_by="run:1")
    ScheduledPayment.objects.create(
        tenant=riverton.tenant, enrollment=enrollment, account_key=rosa_key, customer_number=paid.customer_number,
        period_id=paid.period_id - 2, period_label="long ago", due_date=due - timedelta(days=60),
        charge_on=due - timedelta(days=63), amount=paid.amount, state="nothing_due",
        message="Paid already, nothing charged", created_by="run:0")
    page = body(client_for(riverton.resident, riverton.tenant).get(base(rosa_key)))
    assert f"Confirmation {confirmation}" in page and "Paid" in page
    assert "Failed" in page and "Your card was declined." in page
    assert "Paid already, nothing charged" in page


def test_someone_elses_autopay_is_said_without_naming_them_and_offers_nothing(riverton, office, rosa_key, larry,
                                                                              client_for):
    link_sample(office, riverton, 0, user=larry)
    enroll(riverton, rosa_key, saved_method(riverton, larry), user=larry)
    page = body(client_for(riverton.resident, riverton.tenant).get(base(rosa_key)))
    assert "AutoPay is on for this account, set up by another person who pays it." in page
    assert "larry" not in page.lower() and "4242" not in page
    assert "Turn off AutoPay" not in page and f"{base(rosa_key)}schedule/" not in page


def test_the_offices_payment_page_message_is_shown(riverton, rosa_key, client_for):
    settings = riverton.tenant.payment_settings
    settings.payment_page_message = "AutoPay adds the service fee to each payment."
    settings.save()
    assert "AutoPay adds the service fee to each payment." in body(
        client_for(riverton.resident, riverton.tenant).get(base(rosa_key)))


def test_a_landlord_sees_it_for_an_account_attached_to_them(riverton, office, rosa_key, larry, client_for):
    from customers.models import LandlordLink

    number = summary(riverton, rosa_key).customer_number
    landlord = office.get("/landlords?q=", office="autopay-office").json()["landlords"][0]["id"]
    office.attach_landlord("autopay-office", landlord, number)
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=landlord)
    client = client_for(larry, riverton.tenant)
    client.get("/utility/")  # reads the landlord's accounts, as the home page does
    assert client.get(base(rosa_key)).status_code == 200


def test_it_404s_for_another_citys_resident_and_a_resident_who_has_not_linked_it(riverton, lakeside, larry, rosa_key,
                                                                                 client_for):
    assert client_for(lakeside.resident, lakeside.tenant).get(base(rosa_key)).status_code == 404
    assert client_for(larry, riverton.tenant).get(base(rosa_key)).status_code == 404
    for step in ("schedule/", "method/", "authorize/"):
        assert client_for(larry, riverton.tenant).get(base(rosa_key) + step).status_code == 404
        assert client_for(lakeside.resident, lakeside.tenant).get(base(rosa_key) + step).status_code == 404


def test_it_rejects_a_post(riverton, rosa_key, client_for):
    assert client_for(riverton.resident, riverton.tenant).post(base(rosa_key)).status_code == 405


def test_it_asks_to_sign_in_first(riverton, rosa_key, anon_client):
    response = anon_client(riverton.tenant).get(base(rosa_key))
    assert response.status_code == 302 and "login" in response.headers["Location"]
