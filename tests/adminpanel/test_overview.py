"""Overview: the office's figures of its portal, each one query at most and a link to its list; only this city."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from autopay.models import Enrollment
from billing.accounts.models import AccountSnapshot, PeriodState
from billing.payments.models import Payment, PaymentMethod
from communications.outbox import queue_email
from communications.outbox.models import OutboundEmail
from cows_bridge.models import CowsLink
from customers.models import LinkedAccount

from ..factories import MembershipFactory, PaymentFactory, UserFactory


def test_clerk_sees_only_own_city_members(riverton, lakeside, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    assert "rosa@example.org" in body
    assert "lena@example.org" not in body and "lars@lakeside.example" not in body


def test_resident_gets_404_on_staff_pages(riverton, client_for):
    assert client_for(riverton.resident, riverton.tenant).get("/office/").status_code == 404


def test_other_city_clerk_is_not_staff_here(riverton, lakeside, client_for):
    # Lars is an office admin of Lakeside; signing in at Riverton makes him only a customer there.
    assert client_for(lakeside.clerk, riverton.tenant).get("/office/").status_code == 404


def test_anonymous_is_sent_to_login(riverton, anon_client):
    response = anon_client(riverton.tenant).get("/office/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the figures ----------------------------------------------------------------------------------------

DENVER = ZoneInfo("America/Denver")
# 00:30 on March 15 in Denver (06:30 UTC): a payment at 23:00 on the 14th, Denver time, was yesterday.
NOW = datetime(2026, 3, 15, 0, 30, tzinfo=DENVER)


def figure(body: str, label: str) -> str:
    """The figure shown under a label (the number or word, without the link's hidden words)."""
    match = re.search(r"<dt>" + re.escape(label) + r"</dt><dd>(?:<a href=\"[^\"]*\">)?([^<]+)", body)
    assert match, f"no figure labelled {label!r}"
    return match.group(1).strip()


def link_of(body: str, label: str) -> str:
    match = re.search(r"<dt>" + re.escape(label) + r"</dt>\s*<dd><a href=\"([^\"]*)\">", body)
    assert match, f"no link under {label!r}"
    return match.group(1).replace("&amp;", "&")


def link_account(city, user, key, *, paperless=None):
    LinkedAccount.objects.create(tenant=city.tenant, user=user, account_key=key, customer_number=f"{key}-00")
    if paperless is not None:
        AccountSnapshot.objects.create(tenant=city.tenant, account_key=key,
                                       data={"customer_number": f"{key}-00", "send_paper_statement": not paperless})


def enroll(city, user, key, *, ended=False):
    method = PaymentMethod.objects.create(tenant=city.tenant, user=user, provider="sandbox", token=f"tok_{key}",
                                          kind="card", brand="Visa", last4="4242", exp_month=12, exp_year=2030)
    return Enrollment.objects.create(tenant=city.tenant, user=user, account_key=key, customer_number=f"{key}-00",
                                     method=method, days_before_due=3, ended_at=timezone.now() if ended else None)


def overview(city, client_for) -> str:
    return client_for(city.clerk, city.tenant).get("/office/").content.decode()


def test_the_portal_figures_count_this_citys_members_accounts_paperless_and_autopay(riverton, lakeside, larry,
                                                                                     client_for):
    link_account(riverton, riverton.resident, "1001", paperless=True)
    link_account(riverton, riverton.resident, "1002", paperless=False)
    link_account(riverton, larry, "1003")  # never read from Caselle: paperless unknown, not counted
    link_account(lakeside, lakeside.resident, "9001", paperless=True)
    AccountSnapshot.objects.create(tenant=riverton.tenant, account_key="5555",  # read for a guest, not linked
                                   data={"send_paper_statement": False})
    enroll(riverton, riverton.resident, "1001")
    enroll(riverton, larry, "1003", ended=True)
    enroll(lakeside, lakeside.resident, "9001")
    body = overview(riverton, client_for)
    assert figure(body, "Portal members") == "2"  # Rosa and Larry; Carl is an office admin
    assert figure(body, "Office admins") == "1"
    assert figure(body, "Linked utility accounts") == "3"
    assert figure(body, "Paperless accounts") == "1"
    assert figure(body, "On AutoPay") == "1"
    assert link_of(body, "On AutoPay") == "/office/autopay/customers/"
    portal_users = "/office/utility/portal-users/"
    assert link_of(body, "Linked utility accounts") == portal_users
    assert link_of(body, "Portal members") == "/office/utility/members/"
    listed = client_for(riverton.clerk, riverton.tenant).get(link_of(body, "Portal members")).content.decode()
    assert "2 portal members" in listed and "larry@landlords.example" in listed  # the figure's people, listed
    assert link_of(body, "Paperless accounts") == portal_users + "?bills=email"
    listed = client_for(riverton.clerk, riverton.tenant).get(link_of(body, "Paperless accounts")).content.decode()
    assert "1 linked account" in listed and "1001-00" in listed and "1002-00" not in listed


def test_payments_today_and_this_month_count_received_money_by_the_citys_days(riverton, lakeside, client_for):
    with time_machine.travel(NOW, tick=False):
        PaymentFactory(city=riverton, local=(2026, 3, 15, 0, 10), amount="40.00")  # today, posted
        PaymentFactory(city=riverton, local=(2026, 3, 15, 0, 20), amount="10.50", state=Payment.State.CHARGED)
        PaymentFactory(city=riverton, local=(2026, 3, 15, 0, 25), amount="99.00", state=Payment.State.FAILED)
        PaymentFactory(city=riverton, local=(2026, 3, 14, 23, 0), amount="25.00")  # yesterday in Denver
        PaymentFactory(city=riverton, local=(2026, 3, 1, 0, 5), amount="5.00")  # this month
        PaymentFactory(city=riverton, local=(2026, 2, 28, 23, 59), amount="7.00")  # last month
        PaymentFactory(city=lakeside, local=(2026, 3, 15, 0, 10), amount="1000.00")
        body = overview(riverton, client_for)
    assert figure(body, "Payments today") == "2"
    assert "$50.50 received" in body
    assert figure(body, "Payments in March 2026") == "4"
    assert "$80.50 received this month" in body
    assert link_of(body, "Payments today") == ("/office/payments/?date_from=2026-03-15&date_to=2026-03-15"
                                               "&state=received")
    assert link_of(body, "Payments in March 2026") == ("/office/payments/?date_from=2026-03-01&date_to=2026-03-15"
                                                       "&state=received")


def test_the_figure_links_to_the_list_that_shows_the_same_payments(riverton, client_for):
    with time_machine.travel(NOW, tick=False):
        PaymentFactory(city=riverton, local=(2026, 3, 15, 0, 10), amount="40.00")
        PaymentFactory(city=riverton, local=(2026, 3, 14, 23, 0), amount="25.00")
        PaymentFactory(city=riverton, local=(2026, 3, 15, 0, 20), amount="61.00", state=Payment.State.RETURNED)
        PaymentFactory(city=riverton, local=(2026, 3, 15, 0, 30), amount="62.00", state=Payment.State.FAILED)
        client = client_for(riverton.clerk, riverton.tenant)
        body = client.get("/office/").content.decode()
        listed = client.get(link_of(body, "Payments today")).content.decode()
    assert figure(body, "Payments today") == "1"
    assert "1 payment" in listed and "$40.00" in listed  # the list's headline is the figure
    assert "$25.00" not in listed and "$61.00" not in listed and "$62.00" not in listed


def test_this_period_starts_on_the_day_the_portal_saw_the_last_close(riverton, client_for):
    with time_machine.travel(NOW, tick=False):
        PeriodState.objects.create(tenant=riverton.tenant, open_period_id=27, open_period_label="2026-03",
                                   last_closed_period_id=26, last_closed_period_label="2026-02",
                                   close_seen_at=datetime(2026, 3, 4, 8, 0, tzinfo=DENVER))
        PaymentFactory(city=riverton, local=(2026, 3, 4, 7, 0), amount="12.00")
        PaymentFactory(city=riverton, local=(2026, 3, 3, 23, 0), amount="30.00")  # before the close
        body = overview(riverton, client_for)
    assert figure(body, "Payments in period 2026-03") == "1"
    assert "$12.00 received from Mar 4 on, the day the last period closed (the whole day counts)" in body
    assert link_of(body, "Payments in period 2026-03") == ("/office/payments/?date_from=2026-03-04&date_to=2026-03-15"
                                                           "&state=received")


def test_before_any_close_was_seen_the_period_is_the_calendar_month(riverton, client_for):
    with time_machine.travel(NOW, tick=False):
        PeriodState.objects.create(tenant=riverton.tenant, open_period_id=27, open_period_label="2026-03",
                                   last_closed_period_id=26, last_closed_period_label="2026-02")
        body = overview(riverton, client_for)
    assert figure(body, "Payments in March 2026") == "0" and "$0.00 received this month" in body


def test_pending_payments_and_the_billing_system_link_show_with_their_links(riverton, client_for):
    PaymentFactory(city=riverton, state=Payment.State.CHARGED, items=2)
    body = overview(riverton, client_for)
    assert figure(body, "Pending Payments") == "2" and link_of(body, "Pending Payments") == "/office/payments/pending/"
    assert figure(body, "Billing system link (COWS)") == "Not set up"
    assert link_of(body, "Billing system link (COWS)") == "/office/settings/cows/"
    riverton.tenant.cows_url = "http://127.0.0.1:9/cows"
    riverton.tenant.save()
    assert figure(overview(riverton, client_for), "Billing system link (COWS)") == "Not checked yet"
    CowsLink.objects.create(tenant=riverton.tenant, is_down=True, down_since=timezone.now() - timedelta(hours=1))
    body = overview(riverton, client_for)
    assert figure(body, "Billing system link (COWS)") == "Down"
    assert "The link to your billing system (Caselle) is down since" in body


def test_each_figure_is_a_link_with_a_name_that_says_what_it_counts(riverton, client_for):
    body = overview(riverton, client_for)
    assert '0<span class="visually-hidden"> Payments today</span></a>' in body
    assert '0<span class="visually-hidden"> On AutoPay</span></a>' in body


def test_emails_sent_today_count_by_the_citys_day_and_say_when_some_failed(riverton, lakeside, client_for):
    for city, address in ((riverton, "rosa@example.org"), (riverton, "gone@example.org"), (lakeside, "lena@example.org")):
        queue_email(tenant=city.tenant, kind="office_notice", to=[address], subject="Hi", text="Hello")
    OutboundEmail.objects.filter(to="gone@example.org").update(state=OutboundEmail.State.FAILED)
    yesterday = timezone.localtime(timezone.now(), riverton.tenant.zone).replace(hour=0, minute=0) - timedelta(minutes=1)
    queue_email(tenant=riverton.tenant, kind="office_notice", to=["old@example.org"], subject="Hi", text="Hello")
    OutboundEmail.objects.filter(to="old@example.org").update(queued_at=yesterday)
    body = overview(riverton, client_for)
    assert figure(body, "Emails sent today") == "1"
    assert "1 could not be sent: see the Email log." in body
    today = timezone.localdate(timezone=riverton.tenant.zone).isoformat()
    assert link_of(body, "Emails sent today") == f"/office/email-log/?date_from={today}&date_to={today}"


def _rows(city, n: int, start: int) -> None:
    for i in range(start, start + n):
        user = UserFactory(email=f"person{i}@example.org")
        MembershipFactory(tenant=city.tenant, user=user)
        link_account(city, user, f"7{i:04d}", paperless=i % 2 == 0)
        enroll(city, user, f"7{i:04d}")
        PaymentFactory(city=city, state=Payment.State.CHARGED if i % 3 else Payment.State.POSTED, items=2)
        queue_email(tenant=city.tenant, kind="office_notice", to=[user.email], subject="Welcome", text="Hello")


@pytest.mark.parametrize("close_seen", [False, True])
def test_the_overview_costs_one_query_a_figure_ten_whatever_the_number_of_rows(riverton, client_for, close_seen):
    if close_seen:
        PeriodState.objects.create(tenant=riverton.tenant, open_period_label="2026-12", close_seen_at=timezone.now())
    riverton.tenant.cows_url = "http://127.0.0.1:9/cows"
    riverton.tenant.save()
    client = client_for(riverton.clerk, riverton.tenant)
    _rows(riverton, 2, 0)
    client.get("/office/")  # the session and the city are cached from here on
    with CaptureQueriesContext(connection) as few:
        assert client.get("/office/").status_code == 200
    _rows(riverton, 30, 2)
    with CaptureQueriesContext(connection) as many:
        body = client.get("/office/").content.decode()
    assert figure(body, "Portal members") == "33"
    assert figure(body, "Emails sent today") == "32"
    assert len(many) == len(few) == 10, "\n".join(q["sql"][:120] for q in many.captured_queries)
