"""Turning AutoPay on through the customer's two steps: the outcomes the guide's NOTEs promise, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from autopay.models import Authorization, Enrollment, ScheduledPayment
from billing.formatting import money
from billing.payments.models import PaymentMethod
from tests.autopay.conftest import OFFICE, saved_method, summary
from tests.billing.payhelpers import bank_token, card_token

from .pages import (authorize, base, body, choices_in, choose, city_noon, nothing_stored, schedule, terms_on,
                    through_the_steps)


def test_step_one_shows_the_guides_questions_and_note(riverton, rosa_key, client_for):
    page = body(client_for(riverton.resident, riverton.tenant).get(base(rosa_key) + "schedule/"))
    assert '<li aria-current="step"><span class="step-number" aria-hidden="true">1</span> Schedule</li>' in page
    assert "Payment Method" in page
    assert "Days prior to due date" in page
    assert "Would you like to establish a maximum payment amount for autopay?" in page
    assert ("Note: If your bill is currently due a payment will automatically be taken on today's date to pay off "
            "that balance.") in page
    assert '<option value="10">' in page and '<option value="11">' not in page  # the office's limit, 10 by default


def test_enrolling_before_the_payment_day_schedules_it_and_says_when(riverton, rosa_key, client_for):
    s = summary(riverton, rosa_key)
    with time_machine.travel(city_noon(riverton, s.due_date - timedelta(days=10))):
        client = client_for(riverton.resident, riverton.tenant)
        done = through_the_steps(client, rosa_key, method="new-card", token=card_token(client), days="3",
                                 maximum="500")
        assert done.status_code == 302 and done.headers["Location"] == base(rosa_key)
        page = body(client.get(base(rosa_key)))
    charge_on = s.due_date - timedelta(days=3)
    assert (f"Your next payment of {money(s.balance_due)} is scheduled for "
            f"{charge_on.strftime('%b')} {charge_on.day}, {charge_on.year}.") in page
    enrollment = Enrollment.objects.get()
    assert (enrollment.user, enrollment.days_before_due, str(enrollment.max_amount)) == (riverton.resident, 3, "500.00")
    assert enrollment.method.label == "Visa •••• 4242" and enrollment.enrolled_by == riverton.resident
    auth = Authorization.objects.get()
    assert auth.ip_address == "127.0.0.1" and "4242" in auth.text and "up to" not in auth.text


def test_enrolling_after_the_due_date_with_a_bank_account_pays_the_balance_now_as_the_note_said(
        riverton, rosa_key, client_for):
    s = summary(riverton, rosa_key)
    with time_machine.travel(city_noon(riverton, s.due_date + timedelta(days=1))):
        client = client_for(riverton.resident, riverton.tenant)
        done = through_the_steps(client, rosa_key, method="new-ach", token=bank_token(client))
        page = body(client.get(done.headers["Location"]))
    assert f"Your balance of {money(s.balance_due)} is being paid now, as the note said." in page
    sp = ScheduledPayment.objects.get()
    assert (sp.charge_on, sp.amount) == (s.due_date + timedelta(days=1), s.balance_due)
    assert sp.enrollment.method.kind == "ach"


def test_enrolling_with_nothing_due_says_the_first_payment_waits_for_the_next_close(riverton, office, rosa_key,
                                                                                   client_for):
    s = summary(riverton, rosa_key)
    office.post("/receipts", office=OFFICE, json={
        "reference": "PAGES-PAYOFF-1", "kind": "utility", "customer_number": s.customer_number,
        "amount": str(s.balance_due), "method": "card", "paid_at": "2026-12-01T12:00:00+00:00"}).raise_for_status()
    client = client_for(riverton.resident, riverton.tenant)
    done = through_the_steps(client, rosa_key, method="new-card", token=card_token(client))
    page = body(client.get(done.headers["Location"]))
    assert ("Nothing is due now; your first payment will be scheduled when the office closes the next billing "
            "period") in page
    assert Enrollment.objects.count() == 1 and not ScheduledPayment.objects.exists()


def test_a_saved_method_of_the_wallet_can_be_chosen(riverton, rosa_key, checking, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert f'value="saved-{checking.id}"' in body(client.get(base(rosa_key) + "method/", {
        "choices": choices_in(schedule(client, rosa_key))}))
    assert through_the_steps(client, rosa_key, method=f"saved-{checking.id}").status_code == 302
    assert Enrollment.objects.get().method == checking


def test_step_two_shows_the_fee_of_each_type_the_payment_page_message_and_the_authorization(
        riverton, rosa_key, client_for):
    settings = riverton.tenant.payment_settings
    settings.payment_page_message = "AutoPay payments add our usual service fee."
    settings.save()
    client = client_for(riverton.resident, riverton.tenant)
    choices = choices_in(schedule(client, rosa_key))
    page = body(client.get(base(rosa_key) + "method/", {"choices": choices}))
    fees = riverton.tenant.payment_settings
    due = summary(riverton, rosa_key).balance_due
    assert "AutoPay payments add our usual service fee." in page
    assert money(fees.fee_for("card", due)) in page and money(fees.fee_for("ach", due)) in page
    picked = choose(client, rosa_key, choices, method="new-card", token=card_token(client))
    terms = body(client.get(base(rosa_key) + "authorize/", {"choices": choices_in(picked)}))
    assert "I authorize City of Riverton to charge Visa •••• 4242" in terms and "I authorize these AutoPay" in terms


@pytest.mark.parametrize("days, maximum, message", [
    ("11", None, "Choose from 0 to 10 days before the due date."),
    ("-1", None, "Choose from 0 to 10 days before the due date."),
    ("three", None, "Choose from 0 to 10 days before the due date."),
    ("3", "0", "Enter a maximum above $0.00, or choose no maximum."),
    ("3", "abc", "Enter the amount as a number, like 45.67."),
    ("3", "", "Enter an amount."),
])
def test_bad_schedule_choices_are_refused_beside_their_field(riverton, rosa_key, client_for, days, maximum, message):
    response = schedule(client_for(riverton.resident, riverton.tenant), rosa_key, days=days, maximum=maximum)
    assert response.status_code == 400
    page = body(response)
    assert message in page and 'aria-invalid="true"' in page and "_error" in page
    assert nothing_stored()


def test_another_persons_saved_method_cannot_be_chosen(riverton, rosa_key, larry, client_for):
    larrys = saved_method(riverton, larry)
    client = client_for(riverton.resident, riverton.tenant)
    response = choose(client, rosa_key, choices_in(schedule(client, rosa_key)), method=f"saved-{larrys.id}")
    assert response.status_code == 400 and "Choose a payment method." in body(response)
    assert nothing_stored()


def test_a_token_the_provider_does_not_know_is_not_read(riverton, rosa_key, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    response = choose(client, rosa_key, choices_in(schedule(client, rosa_key)), method="new-card", token="tok_nope")
    assert response.status_code == 400 and "We could not read that payment method" in body(response)
    assert nothing_stored() and not PaymentMethod.objects.exists()


def test_an_unchecked_authorization_is_refused_on_the_box(riverton, rosa_key, card, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    picked = choose(client, rosa_key, choices_in(schedule(client, rosa_key)), method=f"saved-{card.id}")
    response = authorize(client, rosa_key, choices_in(picked), check=False)
    assert response.status_code == 400
    assert "Check the box to authorize AutoPay" in body(response) and 'aria-describedby="terms id_authorize_error"' \
        in body(response)
    assert nothing_stored()


def test_a_tampered_authorization_text_is_refused(riverton, rosa_key, card, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    picked = choose(client, rosa_key, choices_in(schedule(client, rosa_key)), method=f"saved-{card.id}")
    response = authorize(client, rosa_key, choices_in(picked), text="I authorize nothing at all.")
    assert response.status_code == 400 and "The terms changed while you were reading them" in body(response)
    assert nothing_stored()


def test_tampered_or_missing_choices_start_again_and_store_nothing(riverton, rosa_key, card, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    signed = choices_in(schedule(client, rosa_key, days="3"))
    forged = signed.replace(signed.split(":")[0], "eyJkIjoyOCwgImsiOiIxIn0")
    for choices in ("", forged, signed[:-2] + "xx"):
        page = client.get(base(rosa_key) + "method/", {"choices": choices})
        assert "Please start again." in body(page)
        assert "Please start again." in body(authorize(client, rosa_key, choices, text="x"))
    assert nothing_stored()


def test_choices_signed_for_one_account_do_not_open_another(riverton, office, rosa_key, card, client_for):
    from tests.conftest import link_sample

    other = link_sample(office, riverton, 1)
    client = client_for(riverton.resident, riverton.tenant)
    signed = choices_in(choose(client, rosa_key, choices_in(schedule(client, rosa_key)), method=f"saved-{card.id}"))
    assert "Please start again." in body(authorize(client, other, signed, text="x"))
    assert nothing_stored()


def test_a_direct_pay_account_is_told_the_office_must_end_it_first(riverton, office, rosa_key, client_for):
    office.set_flags(OFFICE, summary(riverton, rosa_key).customer_number, direct_pay=True)
    page = body(client_for(riverton.resident, riverton.tenant).get(base(rosa_key) + "schedule/"))
    assert "This account pays by Direct Pay" in page and "Days prior to due date" not in page
    assert nothing_stored()


def test_a_payment_type_the_office_blocked_is_refused_saved_or_new(riverton, office, rosa_key, card, client_for):
    office.set_flags(OFFICE, summary(riverton, rosa_key).customer_number, BLOCK_CC=True)
    client = client_for(riverton.resident, riverton.tenant)
    choices = choices_in(schedule(client, rosa_key))
    page = body(client.get(base(rosa_key) + "method/", {"choices": choices}))
    assert "not accepted for this account" in page and 'id="method-new-card"' not in page
    for method, token in ((f"saved-{card.id}", ""), ("new-card", card_token(client))):
        response = choose(client, rosa_key, choices, method=method, token=token)
        assert response.status_code == 400 and "The office does not take cards for this account." in body(response)
    assert nothing_stored() and PaymentMethod.objects.count() == 1


def test_another_persons_live_autopay_is_refused_without_naming_them(riverton, office, rosa_key, larry, client_for):
    from tests.autopay.conftest import enroll
    from tests.conftest import link_sample

    link_sample(office, riverton, 0, user=larry)
    enroll(riverton, rosa_key, saved_method(riverton, larry), user=larry)
    page = body(client_for(riverton.resident, riverton.tenant).get(base(rosa_key) + "schedule/"))
    assert "AutoPay is already on for this account, set up by another person who pays it." in page
    assert "larry" not in page.lower()
    assert Enrollment.objects.get().user == larry and Authorization.objects.count() == 1


def test_refusals_at_the_last_step_store_nothing(riverton, office, rosa_key, card, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    choices = choices_in(choose(client, rosa_key, choices_in(schedule(client, rosa_key)), method=f"saved-{card.id}"))
    terms = terms_on(client, rosa_key, choices)
    office.set_flags(OFFICE, summary(riverton, rosa_key).customer_number, BLOCK_CC=True)  # the office, meanwhile
    response = authorize(client, rosa_key, choices, text=terms)
    assert response.status_code == 400
    assert "The office does not take cards for this account." in body(response)
    assert "Choose another payment method" in body(response)
    assert nothing_stored()


def test_a_schedule_the_office_no_longer_allows_is_sent_back_to_step_one(riverton, rosa_key, card, client_for):
    from autopay.settings import update_autopay_settings

    client = client_for(riverton.resident, riverton.tenant)
    choices = choices_in(schedule(client, rosa_key, days="8"))
    update_autopay_settings(tenant=riverton.tenant, changes={"max_days_before_due": 5}, acting_user=riverton.clerk)
    response = choose(client, rosa_key, choices, method=f"saved-{card.id}")
    assert response.status_code == 400
    page = body(response)
    assert "Choose from 0 to 5 days before the due date." in page and "Change the schedule" in page
    assert nothing_stored()
