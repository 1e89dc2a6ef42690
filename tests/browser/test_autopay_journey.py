"""A resident turns AutoPay on with a new checking account while the bill is due (the NOTE's charge happens at
once), sees it on Manage AutoPay, changes the method in place, then turns AutoPay off."""

import re
from datetime import datetime, time, timedelta

from playwright.sync_api import expect
import pytest
import time_machine

from autopay.models import Enrollment, ScheduledPayment
from billing.formatting import money
from tests.autopay.conftest import office, rosa_key, summary  # noqa: F401  (fixtures)

from .conftest import assert_accessible, city_url, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}


def test_resident_enrolls_with_checking_while_due_then_changes_the_method_and_turns_autopay_off(
        live_server, page, riverton, rosa_key, password, eager_tasks):  # noqa: F811
    s = summary(riverton, rosa_key)
    day_after_due = datetime.combine(s.due_date + timedelta(days=1), time(12), tzinfo=riverton.tenant.zone)
    with time_machine.travel(day_after_due, tick=True):
        sign_in(page, live_server, riverton.resident, password)
        page.goto(city_url(live_server, "riverton", "/utility/"))
        card = page.get_by_role("listitem").filter(has_text=s.customer_number)
        expect(card.get_by_text("Off", exact=True)).to_be_visible()
        assert_accessible(page)
        card.get_by_role("link", name="Manage AutoPay").click()
        page.get_by_role("heading", name="AutoPay: Off").wait_for()
        assert_accessible(page)

        page.get_by_role("link", name="Set up AutoPay").click()  # step 1, Schedule
        expect(page.get_by_text("Note: If your bill is currently due a payment will automatically be taken on "
                                "today's date to pay off that balance.")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Days prior to due date").select_option("3")
        page.get_by_role("group", name=re.compile("maximum payment amount")).get_by_label("Yes, set a maximum").check()
        page.get_by_label("Maximum payment amount").fill("500")
        page.get_by_role("button", name="Next").click()

        page.get_by_role("table", name=re.compile("The service fee each AutoPay payment adds")).wait_for()  # step 2
        page.get_by_label("New bank account (ACH)").check()
        page.get_by_label("Routing number").fill("110000000")
        page.get_by_label("Account number").fill("000123456789")
        assert page.get_by_label("Account type").input_value() == "checking"
        assert_accessible(page)
        page.get_by_role("button", name="Next").click()

        page.get_by_role("heading", name="Review and authorize").wait_for()
        expect(page.get_by_text(re.compile(r"I authorize City of Riverton to charge Checking •••• 6789"))).to_be_visible()
        expect(page.get_by_text(f"Your balance of {money(s.balance_due)}")).to_be_visible()
        page.get_by_role("button", name="Schedule AutoPay").click()
        page.get_by_text("Check the box to authorize AutoPay, or go back.").wait_for()  # not checked yet
        box = page.get_by_label("I authorize these AutoPay payments as written above.")
        assert box.get_attribute("aria-invalid") == "true" and "id_authorize_error" in box.get_attribute(
            "aria-describedby")
        assert_accessible(page)
        box.check()
        page.get_by_role("button", name="Schedule AutoPay").click()

        page.get_by_text(f"Your balance of {money(s.balance_due)} is being paid now, as the note said.").wait_for()
        expect(page.get_by_role("heading", name="AutoPay: On")).to_be_visible()
        sp = ScheduledPayment.objects.get()
        assert sp.state == "paid" and sp.payment.method_brand == "Checking"
        confirmation = sp.payment.items.get().confirmation_number
        row = page.get_by_role("row").filter(has_text=sp.period_label)
        expect(row.get_by_text("Paid", exact=True)).to_be_visible()
        expect(row.get_by_text(
            f"Confirmation {confirmation}")).to_be_visible()
        assert_accessible(page)

        page.set_viewport_size(DESKTOP)  # the change and the turning off, at a desk
        page.get_by_role("link", name="Change", exact=True).click()
        assert page.get_by_label("Days prior to due date").input_value() == "3"
        page.get_by_role("button", name="Next").click()
        page.get_by_label("New card").check()
        page.get_by_label("Card number").fill("4242 4242 4242 4242")
        page.get_by_label("Expiry (MM/YY)").fill("12/30")
        page.get_by_label("Security code").fill("123")
        page.get_by_role("button", name="Next").click()
        page.get_by_label("I authorize these AutoPay payments as written above.").check()
        assert_accessible(page)
        page.get_by_role("button", name="Save the changes").click()
        page.get_by_text(f"AutoPay was changed for account {s.customer_number}.").wait_for()
        expect(page.get_by_role("definition").filter(has_text="Visa •••• 4242").first).to_be_visible()
        enrollment = Enrollment.objects.get()
        assert enrollment.method.label == "Visa •••• 4242" and enrollment.authorizations.count() == 2

        page.get_by_role("link", name="Turn off AutoPay").click()
        page.get_by_role("heading", name=f"Turn off AutoPay for account {s.customer_number}?").wait_for()
        assert_accessible(page)
        page.get_by_role("button", name="Turn off AutoPay").click()
        page.get_by_text(f"AutoPay is off for account {s.customer_number}.").wait_for()
        expect(page.get_by_role("heading", name="AutoPay: Off")).to_be_visible()
        assert_accessible(page)
    enrollment.refresh_from_db()
    assert enrollment.ended_at is not None and ScheduledPayment.objects.get().state == "paid"
