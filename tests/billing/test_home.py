import html
from datetime import timedelta
from decimal import Decimal

from django.core import mail
from django.utils import timezone

from billing.formatting import money
from billing.accounts.models import AccountSnapshot
from customers.models import LandlordLink
from tests.conftest import link_sample


def age_snapshots(tenant, minutes=10):
    AccountSnapshot.objects.filter(tenant=tenant).update(fetched_at=timezone.now() - timedelta(minutes=minutes))


def test_home_lists_each_account_with_balance_and_due_date(cows, riverton, client_for):
    link_sample(cows, riverton, 0)
    link_sample(cows, riverton, 1)
    body = client_for(riverton.resident, riverton.tenant).get("/utility/").content.decode()
    for s in cows.samples("riverton"):
        office = cows.get(f"/accounts/{s['customer_number']}", office="riverton").json()
        assert s["customer_number"] in body
        assert money(Decimal(office['balance_due'])) in body
    assert "Link Another Account" in body
    assert "contact the office" in body


def test_fresh_values_are_shown_without_asking_the_office(cows, riverton, client_for):
    link_sample(cows, riverton)
    cows.set_fault(operation="*", mode="error", status=503)
    body = html.unescape(client_for(riverton.resident, riverton.tenant).get("/utility/").content.decode())
    assert "can't reach" not in body  # the recent read was enough
    assert cows.samples("riverton")[0]["customer_number"] in body


def test_simulator_stopped_mid_session_shows_last_known_values_the_city_link_down_and_one_alert(
        cows, riverton, client_for, client, settings):
    link_sample(cows, riverton)
    resident = client_for(riverton.resident, riverton.tenant)
    assert client.get("/healthz", HTTP_HOST="localhost").status_code == 200
    mail.outbox.clear()

    cows.stop()
    age_snapshots(riverton.tenant)
    for _ in range(3):
        response = resident.get("/utility/")
        assert response.status_code == 200
        body = html.unescape(response.content.decode())
        assert "can't reach the city's billing system" in body
        assert cows.samples("riverton")[0]["customer_number"] in body
        assert "These values are as of" in body
    # One city's outage is that city's status, not the deployment's (details need the token).
    settings.HEALTH_TOKEN = "t0ken"
    health = client.get("/healthz", HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer t0ken")
    assert health.status_code == 200
    assert health.json()["cows"]["riverton"]["ok"] is False
    alerts = [m for m in mail.outbox if "COWS is not running" in m.subject]
    assert len(alerts) == 1
    assert alerts[0].to == [riverton.clerk.email]
    assert "restart the Caselle Online Web Service" in alerts[0].body

    cows.start()
    for _ in range(2):
        resident.get("/utility/")
    assert client.get("/healthz", HTTP_HOST="localhost").status_code == 200
    back = [m for m in mail.outbox if "COWS is running again" in m.subject]
    assert len(back) == 1
    assert len([m for m in mail.outbox if "COWS is not running" in m.subject]) == 1


def test_a_hanging_office_does_not_hang_the_page(cows, riverton, client_for, settings):
    settings.COWS_READ_TIMEOUT = 0.5
    link_sample(cows, riverton)
    age_snapshots(riverton.tenant)
    cows.set_fault(operation="*", mode="hang", delay=5)
    response = client_for(riverton.resident, riverton.tenant).get("/utility/")
    assert response.status_code == 200
    assert "These values are as of" in response.content.decode()


def test_landlord_sees_every_account_attached_to_them_and_changes_the_office_makes(
        cows, riverton, larry, client_for, settings):
    settings.ACCOUNT_SNAPSHOT_FRESH_SECONDS = 0
    landlords = cows.get("/landlords?q=", office="riverton").json()["landlords"]
    landlord = max(landlords, key=lambda l: len(l["customer_numbers"]))
    assert len(landlord["customer_numbers"]) >= 2
    LandlordLink.objects.create(tenant=riverton.tenant, user=larry, landlord_id=landlord["id"])
    client = client_for(larry, riverton.tenant)
    body = client.get("/utility/").content.decode()
    for number in landlord["customer_numbers"]:
        assert number in body
    assert landlord["name"] in body

    extra = next(s["customer_number"] for s in cows.samples("riverton") if s["customer_number"] not in landlord["customer_numbers"])
    cows.attach_landlord("riverton", landlord["id"], extra)
    try:
        assert extra in client.get("/utility/").content.decode()
        cows.detach_landlord("riverton", landlord["id"], extra)
        assert extra not in client.get("/utility/").content.decode()
    finally:
        cows.detach_landlord("riverton", landlord["id"], extra)


def test_home_query_count_does_not_grow_with_accounts(cows, riverton, client_for, django_assert_max_num_queries):
    client = client_for(riverton.resident, riverton.tenant)
    link_sample(cows, riverton, 0)
    client.get("/utility/")
    with django_assert_max_num_queries(8) as one:
        client.get("/utility/")
    link_sample(cows, riverton, 1)
    client.get("/utility/")
    with django_assert_max_num_queries(8) as two:
        client.get("/utility/")
    assert len(two.captured_queries) == len(one.captured_queries)


def test_other_city_sees_none_of_these_accounts(cows, riverton, lakeside, client_for):
    link_sample(cows, riverton)
    body = client_for(lakeside.resident, lakeside.tenant).get("/utility/").content.decode()
    assert cows.samples("riverton")[0]["customer_number"] not in body


def test_one_refused_call_between_good_ones_sends_no_alert(cows, riverton, client_for, settings):
    """COWS refusing only receipts (say) flips no link down: no storm of alerts for the office."""
    from cows_bridge import client as bridge
    from cows_bridge.errors import CowsUnavailable

    mail.outbox.clear()
    settings.COWS_READ_TIMEOUT = 2.0
    for _ in range(3):
        cows.set_fault(operation="status", mode="error", status=503, times=2)  # a read retried once, then fails
        try:
            bridge.get_status(riverton.tenant)
        except CowsUnavailable:
            pass
        bridge.get_account(riverton.tenant, cows.samples("riverton")[0]["customer_number"])
    assert [m.subject for m in mail.outbox] == []
