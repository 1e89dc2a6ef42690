"""Changing AutoPay in place (the same two steps, prefilled) and turning it off (asked first, says what it cancels)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from autopay.models import Authorization, Enrollment, ScheduledPayment
from billing.formatting import money
from tests.autopay.conftest import enroll, saved_method, summary
from tests.billing.payhelpers import bank_token
from tests.conftest import link_sample

from .pages import authorize, base, body, choices_in, choose, city_noon, schedule


def day(d) -> str:
    return f"{d.strftime('%b')} {d.day}, {d.year}"


def test_change_starts_prefilled_with_the_current_choices(riverton, rosa_key, card, client_for):
    enroll(riverton, rosa_key, card, days=4, maximum="180")
    page = body(client_for(riverton.resident, riverton.tenant).get(base(rosa_key) + "schedule/"))
    assert "Change AutoPay" in page
    assert '<option value="4" selected>' in page and 'name="max_amount" value="180.00"' in page
    assert 'value="yes" id="id_set_maximum_1" required checked' in page


def test_changing_the_method_and_days_in_place_moves_the_next_payment_with_a_new_authorization(
        riverton, rosa_key, card, client_for):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        done = enroll(riverton, rosa_key, card, days=3)
        client = client_for(riverton.resident, riverton.tenant)
        step2 = choose(client, rosa_key, choices_in(schedule(client, rosa_key, days="6", maximum="200")),
                       method="new-ach", token=bank_token(client))
        response = authorize(client, rosa_key, choices_in(step2))
        assert response.status_code == 302
        page = body(client.get(base(rosa_key)))
    enrollment = Enrollment.objects.get()
    assert enrollment.pk == done.enrollment.pk and enrollment.ended_at is None
    assert (enrollment.method.kind, enrollment.days_before_due, str(enrollment.max_amount)) == ("ach", 6, "200.00")
    assert Authorization.objects.filter(enrollment=enrollment).count() == 2
    assert "Checking •••• 6789" in Authorization.objects.latest("accepted_at").text
    sp = ScheduledPayment.objects.get()
    assert sp.charge_on == due - timedelta(days=6)
    assert (f"AutoPay was changed for account {enrollment.customer_number}. Your next payment of "
            f"{money(sp.amount)} is scheduled for {day(sp.charge_on)}.") in page


def test_changing_to_a_day_already_come_says_it_is_charged_today(riverton, rosa_key, card, client_for):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=4))):
        enroll(riverton, rosa_key, card, days=2)
        client = client_for(riverton.resident, riverton.tenant)
        step2 = choose(client, rosa_key, choices_in(schedule(client, rosa_key, days="8")), method=f"saved-{card.id}")
        page = body(client.get(authorize(client, rosa_key, choices_in(step2)).headers["Location"]))
    assert "will be charged today" in page
    assert ScheduledPayment.objects.get().charge_on == due - timedelta(days=4)


def test_turning_off_asks_first_then_cancels_the_scheduled_payment_and_says_so(riverton, rosa_key, card, client_for):
    due = summary(riverton, rosa_key).due_date
    with time_machine.travel(city_noon(riverton, due - timedelta(days=10))):
        done = enroll(riverton, rosa_key, card, days=3)
        client = client_for(riverton.resident, riverton.tenant)
        asked = client.post(base(rosa_key) + "off/")
        assert asked.status_code == 302 and asked.headers["Location"] == base(rosa_key) + "?turn_off=1"
        question = body(client.get(asked.headers["Location"]))
        assert Enrollment.objects.get().ended_at is None
        sp = done.scheduled
        assert f"The payment of {money(sp.amount)} scheduled for {day(sp.charge_on)} will be cancelled." in question
        response = client.post(base(rosa_key) + "off/", {"confirm": "yes"}, follow=True)
    page = body(response)
    assert (f"AutoPay is off for account {sp.customer_number}. The payment of {money(sp.amount)} scheduled for "
            f"{day(sp.charge_on)} was cancelled.") in page
    assert "AutoPay: Off" in page
    enrollment = Enrollment.objects.get()
    assert enrollment.ended_at is not None and enrollment.ended_by == riverton.resident
    assert ScheduledPayment.objects.get().state == "cancelled"


def test_turning_off_rejects_get(riverton, rosa_key, card, client_for):
    enroll(riverton, rosa_key, card)
    assert client_for(riverton.resident, riverton.tenant).get(base(rosa_key) + "off/").status_code == 405
    assert Enrollment.objects.get().ended_at is None


def test_someone_elses_autopay_cannot_be_turned_off_or_changed_by_a_co_payer(riverton, office, rosa_key, larry,
                                                                             client_for):
    link_sample(office, riverton, 0, user=larry)
    enroll(riverton, rosa_key, saved_method(riverton, larry), user=larry)
    rosa = client_for(riverton.resident, riverton.tenant)
    response = rosa.post(base(rosa_key) + "off/", {"confirm": "yes"}, follow=True)
    assert "AutoPay was not on under your name for this account, so nothing changed." in body(response)
    assert "Turn off AutoPay for account" not in body(rosa.get(base(rosa_key) + "?turn_off=1"))
    assert Enrollment.objects.get().ended_at is None


def test_turning_off_404s_for_another_city_and_for_a_resident_who_has_not_linked_it(riverton, lakeside, larry,
                                                                                   rosa_key, card, client_for):
    enroll(riverton, rosa_key, card)
    for client in (client_for(lakeside.resident, lakeside.tenant), client_for(larry, riverton.tenant)):
        assert client.post(base(rosa_key) + "off/", {"confirm": "yes"}).status_code == 404
    assert Enrollment.objects.get().ended_at is None
