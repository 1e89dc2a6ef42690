"""The clerk's AutoPay month: the period closes in Caselle, the portal schedules AutoPay by itself, and the clerk
finds the payments on Scheduled Payments, filters and exports them, then invites a customer to AutoPay."""

import re

import openpyxl
from playwright.sync_api import expect
import pytest

from autopay.models import ScheduledPayment, ScheduleRun
from billing.accounts import periods

from ..adminpanel.autopay_helpers import enroll, payable_accounts, saved_method
from ..conftest import link_sample
from .conftest import assert_accessible, office_menu, read_mails, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OFFICE = "ap-journey"


def test_clerk_sees_the_automatic_schedule_filters_exports_and_invites(live_server, page, own_office, riverton, larry,
                                                                        password, mail_dir, eager_tasks, tmp_path):
    sim = own_office(riverton, OFFICE, customers=40, seed=81)
    rosas = link_sample(sim, riverton, 0)
    enroll(riverton, rosas, saved_method(riverton, riverton.resident), days=3)
    enroll(riverton, link_sample(sim, riverton, 1, user=larry), saved_method(riverton, larry, bank=True), user=larry,
           days=5)
    samples = {s["customer_number"] for s in sim.samples(OFFICE)}
    rosa_number = sim.samples(OFFICE)[0]["customer_number"]

    # The office closes the month in Caselle; the portal's poll sees it and schedules AutoPay by itself.
    periods.poll_period_state(tenant=riverton.tenant)
    sim.close_period(OFFICE)
    assert periods.poll_period_state(tenant=riverton.tenant) is True
    run = ScheduleRun.objects.get(tenant=riverton.tenant)
    assert (run.actor, run.scheduled) == ("task:schedule_after_close", 2)
    newcomer = next(n for n in payable_accounts(riverton, sim, OFFICE, 6) if n not in samples)

    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="Scheduled Payments").click()
    expect(page.get_by_role("heading", name="Scheduled Payments", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Last run: period {run.period_label}")).to_be_visible()
    expect(page.get_by_text("by the portal, automatically after the period closed.")).to_be_visible()
    payments = page.get_by_role("region", name="Scheduled/Previous Payments")
    expect(payments.get_by_role("row").filter(has_text=rosa_number).get_by_role("cell", name="Pending")).to_be_visible()
    expect(payments.get_by_role("row")).to_have_count(3)  # the header and the two payments
    assert_accessible(page)

    page.get_by_label("Customer number", exact=True).fill(rosa_number.replace("-", ""))
    page.get_by_role("button", name="Show payments").click()
    page.get_by_text("1 AutoPay payment", exact=True).wait_for()
    expect(payments.get_by_role("row")).to_have_count(2)
    expect(payments.get_by_text(rosa_number)).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export to Excel").click()
    saved = tmp_path / "export.xlsx"
    download.value.save_as(saved)
    rows = list(openpyxl.load_workbook(saved).active.iter_rows(min_row=2, values_only=True))
    rosa_row = ScheduledPayment.objects.get(tenant=riverton.tenant, account_key=rosas)
    assert [(r[2], r[8]) for r in rows] == [(rosa_number, "Pending")]
    assert rows[0][5].date() == rosa_row.charge_on

    office_menu(page).get_by_role("link", name="Customer AutoPay").click()
    page.get_by_text("2 accounts on AutoPay").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Enroll Customer").click()
    page.get_by_label("Customer number").fill(newcomer)
    page.get_by_role("button", name="Find account").click()
    page.get_by_role("heading", name=f"2. The invitation for account {newcomer}").wait_for()
    assert_accessible(page)
    page.get_by_label("Another email address").check()
    page.get_by_label("Email address", exact=True).fill("new.owner@example.org")
    page.get_by_label("Days before the due date").fill("4")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text(f"An AutoPay invitation for account {newcomer} was sent to new.owner@example.org.").wait_for()
    invitations = page.get_by_role("region", name="Invitations not yet accepted")
    expect(invitations.get_by_role("cell", name="new.owner@example.org")).to_be_visible()
    assert_accessible(page)

    invitation = [m for m in read_mails(mail_dir) if m["To"] == "new.owner@example.org"]
    assert len(invitation) == 1
    text = invitation[0].get_body(("plain",)).get_content()
    link = re.search(r"http://riverton\.localhost\S*/autopay/invitations/\S+/", text)
    assert link, text
