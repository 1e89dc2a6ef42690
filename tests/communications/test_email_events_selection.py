"""Who an Email Event emails on a day: due in exactly N days, past due only while a balance is due, AutoPay wording."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from communications.events.models import EmailEvent
from communications.events.selection import select_reminders
from communications.events.services import city_events
from customers.models import LandlordLink
from billing.accounts.models import LandlordSnapshot

from ..factories import MembershipFactory, UserFactory
from .email_events_data import bill, on_autopay

pytestmark = pytest.mark.django_db


def today(city):
    return timezone.localdate(timezone=city.tenant.zone)


def event(city, kind):
    return next(e for e in city_events(tenant=city.tenant) if e.kind == kind)


def test_every_city_gets_the_guide_s_two_events_at_6_on(riverton, lakeside):
    for city in (riverton, lakeside):
        events = city_events(tenant=city.tenant)
        assert [(e.kind, e.enabled, e.send_at.strftime("%H:%M"), e.days, e.weekday) for e in events] == [
            ("payment_due", True, "06:00", 3, None), ("past_due", True, "06:00", 1, None)]
    assert city_events(tenant=riverton.tenant)[0].pk == city_events(tenant=riverton.tenant)[0].pk  # made once


def test_payment_due_picks_bills_due_in_exactly_the_event_s_days(riverton):
    day = today(riverton)
    bill(riverton, "1000001", due=day + timedelta(days=3), balance="84.20")
    bill(riverton, "1000002", due=day + timedelta(days=2), balance="50.00")
    bill(riverton, "1000003", due=day + timedelta(days=4), balance="50.00")
    bill(riverton, "1000004", due=day + timedelta(days=3), balance="0.00")  # paid already
    found = select_reminders(event=event(riverton, "payment_due"), run_date=day)
    assert [(r.account_key, r.to) for r in found] == [("1000001", ("rosa@example.org",))]
    reminder = found[0]
    assert reminder.context["amount_due"] == "$84.20"
    assert reminder.context["payment_note"].startswith("$84.20 is due on ")
    assert reminder.context["name"] == "Pat Rivera" and reminder.context["customer_number"] == "100-0001"
    assert reminder.key == f"event:{event(riverton, 'payment_due').id}:1000001:{(day + timedelta(days=3)).isoformat()}"


def test_past_due_only_while_a_balance_is_still_due(riverton):
    day = today(riverton)
    bill(riverton, "1000011", due=day - timedelta(days=1), balance="12.50")
    bill(riverton, "1000012", due=day - timedelta(days=1), balance="0.00")
    bill(riverton, "1000013", due=day - timedelta(days=1), balance="-3.00")  # a credit
    bill(riverton, "1000014", due=day - timedelta(days=2), balance="40.00")
    found = select_reminders(event=event(riverton, "past_due"), run_date=day)
    assert [r.account_key for r in found] == ["1000011"]
    assert found[0].context["payment_note"] == "$12.50 is still unpaid (1 day past due)"
    assert found[0].context["days_past_due"] == "1"


def test_past_due_says_days_for_more_than_one(riverton):
    day = today(riverton)
    bill(riverton, "1000011", due=day - timedelta(days=3), balance="12.50")
    past_due = event(riverton, "past_due")
    past_due.days = 3
    [found] = select_reminders(event=past_due, run_date=day)
    assert found.context["payment_note"] == "$12.50 is still unpaid (3 days past due)"


def test_every_portal_user_who_sees_the_account_is_a_recipient_once(riverton, larry):
    day = today(riverton)
    sam = UserFactory(email="Sam@Example.org")
    MembershipFactory(tenant=riverton.tenant, user=sam)
    gone = UserFactory(email="gone@example.org", is_active=False)
    bill(riverton, "1000021", due=day + timedelta(days=3), balance="84.20", users=[riverton.resident, sam, gone])
    # Larry sees it through his landlord link as well.
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=7, landlord_name="Acme")
    LandlordSnapshot.objects.create(tenant=riverton.tenant, landlord_id=7, name="Acme",
                                    customer_numbers=["100-0021"])
    [reminder] = select_reminders(event=event(riverton, "payment_due"), run_date=day)
    assert reminder.to == ("larry@landlords.example", "rosa@example.org", "sam@example.org")


def test_another_city_s_accounts_are_never_picked(riverton, lakeside):
    day = today(riverton)
    bill(lakeside, "1000031", due=day + timedelta(days=3), balance="84.20")
    assert select_reminders(event=event(riverton, "payment_due"), run_date=day) == []
    assert [r.to for r in select_reminders(event=event(lakeside, "payment_due"), run_date=today(lakeside))] == [
        ("lena@example.org",)]


def test_accounts_on_autopay_are_told_when_autopay_charges_instead_of_due(riverton):
    day = today(riverton)
    due = day + timedelta(days=3)
    bill(riverton, "1000041", due=due, balance="84.20")
    bill(riverton, "1000042", due=due, balance="84.20")
    bill(riverton, "1000043", due=due, balance="84.20")
    on_autopay(riverton, "1000041", charge_on=due - timedelta(days=2), due=due)
    on_autopay(riverton, "1000042")  # on AutoPay, its payment not scheduled yet
    found = {r.account_key: r for r in select_reminders(event=event(riverton, "payment_due"), run_date=day)}
    charge = (due - timedelta(days=2)).strftime("%b %-d, %Y")
    assert found["1000041"].autopay and found["1000041"].context["payment_note"] == (
        f"AutoPay will charge $84.20 on {charge}, so there is nothing for you to do")
    assert "before the due date" in found["1000042"].context["payment_note"]
    assert "is due on" not in found["1000042"].context["payment_note"]
    assert not found["1000043"].autopay and "is due on" in found["1000043"].context["payment_note"]


def test_an_ended_autopay_gets_the_plain_wording(riverton):
    day = today(riverton)
    bill(riverton, "1000051", due=day + timedelta(days=3), balance="84.20")
    enrollment = on_autopay(riverton, "1000051")
    enrollment.ended_at = timezone.now()
    enrollment.save()
    [reminder] = select_reminders(event=event(riverton, "payment_due"), run_date=day)
    assert not reminder.autopay and "is due on" in reminder.context["payment_note"]


def test_the_days_setting_moves_the_bills_picked(riverton):
    day = today(riverton)
    bill(riverton, "1000061", due=day + timedelta(days=2), balance="84.20")
    payment_due = event(riverton, "payment_due")
    assert select_reminders(event=payment_due, run_date=day) == []
    payment_due.days = 2
    payment_due.save()
    assert [r.account_key for r in select_reminders(event=payment_due, run_date=day)] == ["1000061"]
    assert EmailEvent.objects.filter(tenant=riverton.tenant).count() == 2
