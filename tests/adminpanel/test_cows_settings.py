"""Admin - COWS: the address and write-only key (behind re-authentication, every admin told), Test connection
against the real simulator, the link's state and outage history, and who gets the "COWS is not running" email."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from adminpanel.models import AuditEntry
from cows_bridge import health
from cows_bridge.models import CowsAlertSettings, CowsOutage
from portal.models import Tenant

from ..conftest import make_office_admin
from ..factories import UserFactory
from .test_reauth import confirmed

COWS = "/office/settings/cows/"
CONNECTION = COWS + "connection/"
TEST = COWS + "test/"
ALERTS = COWS + "alerts/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def saved(city) -> tuple[str, str]:
    tenant = Tenant.objects.get(pk=city.tenant.pk)
    return tenant.cows_url, tenant.cows_api_key


@pytest.fixture
def carl(riverton, client_for):
    """Riverton's clerk, having just confirmed who he is."""
    return confirmed(client_for(riverton.clerk, riverton.tenant))


@pytest.fixture
def dora(riverton):
    """A second office admin of Riverton."""
    return make_office_admin(riverton.tenant, UserFactory(email="dora@riverton.example", first_name="Dora"))


def go_down(city, reason="COWS could not be reached (ConnectionError)"):
    for _ in range(health.DOWN_AFTER):
        health.record_failure(city.tenant, reason)


def alerts_sent() -> list:
    return [m for m in mail.outbox if "COWS is not running" in m.subject]


# --- who may open them -------------------------------------------------------------------------------

@pytest.mark.parametrize("method, url", [("get", COWS), ("get", CONNECTION), ("post", CONNECTION), ("post", TEST),
                                         ("post", ALERTS)])
def test_residents_and_another_citys_clerk_get_404_and_change_nothing(riverton, lakeside, larry, client_for,
                                                                      method, url):
    riverton.tenant.cows_url, riverton.tenant.cows_api_key = "https://cows.riverton.example/api", "river-key"
    riverton.tenant.save()
    for person in (riverton.resident, larry, lakeside.clerk):
        client = confirmed(client_for(person, riverton.tenant))
        response = getattr(client, method)(url, {"cows_url": "https://evil.example", "cows_api_key": "k",
                                                 "who": "chosen", "extra_emails": "evil@example.org"})
        assert response.status_code == 404
    assert saved(riverton) == ("https://cows.riverton.example/api", "river-key")
    assert not AuditEntry.objects.exists() and not CowsAlertSettings.objects.exists()


@pytest.mark.parametrize("method, url", [("get", TEST), ("get", ALERTS)])
def test_the_actions_take_posts_only(riverton, carl, method, url):
    assert getattr(carl, method)(url).status_code == 405


# --- the page ----------------------------------------------------------------------------------------

def test_it_shows_the_address_the_key_as_set_and_the_links_state(cows, riverton, client_for):
    page = text(client_for(riverton.clerk, riverton.tenant).get(COWS))
    assert cows.office_url("riverton") in page
    assert "riverton-key" not in page
    assert "Key</dt><dd>Set</dd>" in page.replace("\n", "")
    assert "The portal has not talked to COWS yet." in page and "No outages recorded." in page

    go_down(riverton)
    page = text(client_for(riverton.clerk, riverton.tenant).get(COWS))
    assert "COWS is not answering since" in page and "Still down" in page
    assert "COWS could not be reached (ConnectionError)" in page


def test_outages_are_kept_newest_first_with_their_last_error_and_the_last_20_shown(riverton, client_for):
    go_down(riverton, "COWS could not be reached (ConnectTimeout)")
    health.record_failure(riverton.tenant, "COWS answered 503: busy")
    outage = CowsOutage.objects.get(tenant=riverton.tenant)
    assert outage.ended_at is None and outage.last_error == "COWS answered 503: busy"
    health.record_success(riverton.tenant, 12)
    outage.refresh_from_db()
    assert outage.ended_at is not None

    start = timezone.now() - timedelta(days=60)
    CowsOutage.objects.bulk_create([
        CowsOutage(tenant=riverton.tenant, started_at=start + timedelta(days=n), ended_at=start + timedelta(days=n, hours=1),
                   last_error=f"old outage number {n:02d}") for n in range(25)])
    page = text(client_for(riverton.clerk, riverton.tenant).get(COWS))
    assert page.count("<tr>") - 1 == 20  # the header row, then 20 outages
    assert page.index("COWS answered 503: busy") < page.index("old outage number 24") < page.index(
        "old outage number 06")
    assert "old outage number 05" not in page


# --- Test connection against the real simulator ------------------------------------------------------

def test_test_connection_names_the_office_and_its_open_period(cows, riverton, client_for):
    clerk = client_for(riverton.clerk, riverton.tenant)
    open_period = cows.get("/periods", office="riverton").json()["open"]["label"]
    response = clerk.post(TEST, follow=True)
    assert f"Connected to City of Riverton. Open period: {open_period}." in text(response)
    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="cows.test_connection")
    assert entry.summary == "Tested the COWS connection: it works" and entry.target == cows.office_url("riverton")
    assert "riverton-key" not in json.dumps(entry.changes)


def test_test_connection_with_a_wrong_key_says_the_key_was_refused(cows, riverton, client_for):
    riverton.tenant.cows_api_key = "not-the-key"
    riverton.tenant.save()
    response = client_for(riverton.clerk, riverton.tenant).post(TEST, follow=True)
    assert "COWS answered but refused the key. Check the key with Caselle support." in text(response)
    assert AuditEntry.objects.get(action="cows.test_connection").summary == "Tested the COWS connection: it failed"


def test_test_connection_with_cows_down_says_it_did_not_answer(cows, riverton, client_for):
    cows.stop()
    response = client_for(riverton.clerk, riverton.tenant).post(TEST, follow=True)
    assert "COWS did not answer. Check the address; if it is right, ask IT to restart" in text(response)
    assert AuditEntry.objects.get(action="cows.test_connection").summary == "Tested the COWS connection: it failed"


def test_test_connection_to_something_that_is_not_cows_says_so(cows, riverton, client_for):
    riverton.tenant.cows_url = cows.url + "/api/v1/nothing-here"
    riverton.tenant.save()
    response = client_for(riverton.clerk, riverton.tenant).post(TEST, follow=True)
    assert "Something answered at this address, but not as COWS does. Check the address." in text(response)


def test_test_connection_without_an_address_says_to_enter_one(riverton, client_for):
    response = client_for(riverton.clerk, riverton.tenant).post(TEST, follow=True)
    assert "No COWS address is saved yet." in text(response)


# --- changing the address or key ----------------------------------------------------------------------

def test_saving_a_new_address_and_key_records_it_and_emails_every_admin_without_the_key(
        cows, riverton, lakeside, dora, carl, django_capture_on_commit_callbacks):
    cows.own_office("rivernew")
    with django_capture_on_commit_callbacks(execute=True):
        response = carl.post(CONNECTION, {"cows_url": cows.office_url("rivernew") + "/",
                                          "cows_api_key": "rivernew-key"})
    assert response.status_code == 302 and response["Location"] == COWS
    assert saved(riverton) == (cows.office_url("rivernew"), "rivernew-key")

    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="settings.cows_connection")
    assert entry.changes == {"cows_url": [cows.office_url("riverton"), cows.office_url("rivernew")],
                             "cows_api_key": ["(set)", "(changed)"]}
    assert sorted(m.to[0] for m in mail.outbox) == ["carl@riverton.example", "dora@riverton.example"]
    body = mail.outbox[0].body
    assert "The COWS connection settings of the City of Riverton utility portal were changed." in body
    assert f"COWS address: {cows.office_url('riverton')} → {cows.office_url('rivernew')}" in body
    assert "COWS key: changed" in body and "Carl <carl@riverton.example>" in body
    assert "rivernew-key" not in body and "riverton-key" not in body

    # The new connection is the one the bridge uses at once.
    page = text(carl.post(TEST, follow=True))
    assert "Connected to City of Rivernew." in page


def test_an_empty_key_keeps_the_saved_one(cows, riverton, carl):
    response = carl.post(CONNECTION, {"cows_url": "https://cows.riverton.example/api/v1/offices/riverton",
                                      "cows_api_key": ""})
    assert response.status_code == 302
    assert saved(riverton) == ("https://cows.riverton.example/api/v1/offices/riverton", "riverton-key")
    assert AuditEntry.objects.get(action="settings.cows_connection").changes == {
        "cows_url": [cows.office_url("riverton"), "https://cows.riverton.example/api/v1/offices/riverton"]}
    page = text(carl.get(CONNECTION))
    assert "riverton-key" not in page and "Set. Leave empty to keep it" in page


@pytest.mark.parametrize("data, field, message", [
    ({"cows_url": "javascript:alert(1)"}, "cows_url", "must start with https://"),
    ({"cows_url": "ftp://cows.example.gov/"}, "cows_url", "must start with https://"),
    ({"cows_url": "cows.example.gov"}, "cows_url", "must start with https://"),
    ({"cows_url": "https://"}, "cows_url", "Enter the whole web address"),
    ({"cows_url": "https://exa mple.gov/api"}, "cows_url", "Enter the whole web address"),
    ({"cows_url": "https://admin:pw@cows.example.gov/api"}, "cows_url", "no user name, password, ? or # part"),
    ({"cows_url": "https://cows.example.gov/api?key=riverton-key"}, "cows_url", "no user name, password, ? or #"),
    ({"cows_url": ""}, "cows_url", "Enter the COWS address."),
    ({"cows_url": "https://cows.example.gov/" + "a" * 200}, "cows_url", "at most 200 characters"),
    ({"cows_api_key": "two words"}, "cows_api_key", "A COWS key has no spaces or line breaks"),
    ({"cows_api_key": "k" * 201}, "cows_api_key", "A COWS key has at most 200 characters."),
])
def test_bad_addresses_and_keys_are_explained_and_nothing_changes(cows, riverton, carl, data, field, message):
    before = saved(riverton)
    response = carl.post(CONNECTION, {"cows_url": "https://cows.example.gov/api", "cows_api_key": "", **data})
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved. Please correct the fields marked below." in body and message in body
    assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    for secret in ("two words", "admin:pw", "key=riverton-key"):
        assert secret not in body
    assert saved(riverton) == before and not AuditEntry.objects.exists() and mail.outbox == []


def test_a_city_without_a_key_must_enter_one(riverton, carl):
    response = carl.post(CONNECTION, {"cows_url": "https://cows.example.gov/api", "cows_api_key": ""})
    assert response.status_code == 400 and "Enter the COWS key." in text(response)
    assert saved(riverton) == ("", "")


def test_production_takes_https_addresses_only(riverton, carl, settings):
    settings.PRODUCTION = True
    response = carl.post(CONNECTION, {"cows_url": "http://cows.example.gov/api", "cows_api_key": "k1"})
    assert response.status_code == 400 and "The COWS address must start with https://." in text(response)
    assert carl.post(CONNECTION, {"cows_url": "https://cows.example.gov/api", "cows_api_key": "k1"}).status_code == 302


# --- who gets the "COWS is not running" email ---------------------------------------------------------

def test_by_default_every_office_admin_gets_the_alert(riverton, dora):
    go_down(riverton)
    # One message each: the admins' addresses are not shown to one another.
    assert sorted(m.to for m in alerts_sent()) == [["carl@riverton.example"], ["dora@riverton.example"]]


def test_the_office_may_choose_which_admins_and_extra_addresses_get_it(riverton, dora, carl):
    page = text(carl.get(COWS))
    assert "Every office admin" in page and "Dora <dora@riverton.example>" in page
    response = carl.post(ALERTS, {"who": "chosen", "admins": [dora.id],
                                  "extra_emails": "it@riverton.example\nIT@riverton.example, oncall@riverton.example"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="settings.cows_alerts")
    assert entry.changes == {"all_admins": [True, False], "admins": [[], ["dora@riverton.example"]],
                             "extra_emails": [[], ["it@riverton.example", "oncall@riverton.example"]]}

    go_down(riverton)
    assert sorted(m.to for m in alerts_sent()) == [["dora@riverton.example"], ["it@riverton.example"],
                                                   ["oncall@riverton.example"]]
    health.record_success(riverton.tenant, 10)
    back = [m for m in mail.outbox if "COWS is running again" in m.subject]
    assert sorted(m.to[0] for m in back) == ["dora@riverton.example", "it@riverton.example", "oncall@riverton.example"]

    # Back to everyone: the choice of admins is forgotten, the extra addresses stay.
    carl.post(ALERTS, {"who": "all", "admins": [dora.id], "extra_emails": "it@riverton.example"})
    mail.outbox.clear()
    go_down(riverton)
    assert sorted(m.to[0] for m in alerts_sent()) == ["carl@riverton.example", "dora@riverton.example",
                                                      "it@riverton.example"]


def test_an_admin_who_is_no_longer_one_stops_getting_it(riverton, dora, carl):
    carl.post(ALERTS, {"who": "chosen", "admins": [dora.id, riverton.clerk.id]})
    dora.memberships.update(role="customer")
    go_down(riverton)
    assert alerts_sent()[0].to == ["carl@riverton.example"]


@pytest.mark.parametrize("data, field, message", [
    ({"who": "chosen"}, "admins", "Tick at least one office admin (or add an address below)"),
    ({"who": "chosen", "extra_emails": "it@riverton, not an address"}, "extra_emails",
     "These are not email addresses: it@riverton, not an address."),
    ({"who": "chosen", "extra_emails": "ok@riverton.example\nnot an email"}, "extra_emails",
     "These are not email addresses: not an email."),
    ({"who": "all", "extra_emails": " ".join(f"it{n}@riverton.example" for n in range(11))}, "extra_emails",
     "At most 10 extra addresses."),
    ({"who": "nobody"}, "who", "Select a valid choice."),
    ({"who": ""}, "who", "This field is required."),
    ({"who": "chosen", "admins": ["not-a-number"]}, "admins", "Choose among this city's office admins."),
])
def test_bad_recipient_choices_are_explained_and_nothing_changes(riverton, carl, data, field, message):
    response = carl.post(ALERTS, data)
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved." in body and message in body and f'id="id_{field}_error"' in body
    assert not CowsAlertSettings.objects.exists() and not AuditEntry.objects.exists()


def test_a_resident_or_another_citys_clerk_cannot_be_chosen(riverton, lakeside, carl):
    for outsider in (riverton.resident, lakeside.clerk):
        response = carl.post(ALERTS, {"who": "chosen", "admins": [outsider.id]})
        assert response.status_code == 400 and "Choose among this city's office admins." in text(response)
    assert not riverton.tenant.cows_alert_recipients.exists()


def test_the_page_reads_the_same_number_of_queries_whatever_the_outages_and_admins(riverton, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page_queries() -> int:
        client = client_for(riverton.clerk, riverton.tenant)
        client.get(COWS)  # the session and the user cache warm up
        with CaptureQueriesContext(connection) as queries:
            assert client.get(COWS).status_code == 200
        return len(queries)

    go_down(riverton)
    few = page_queries()
    now = timezone.now()
    CowsOutage.objects.bulk_create([CowsOutage(tenant=riverton.tenant, started_at=now - timedelta(days=n),
                                               ended_at=now - timedelta(days=n, hours=-1)) for n in range(1, 30)])
    for n in range(6):
        make_office_admin(riverton.tenant, UserFactory(email=f"admin{n}@riverton.example"))
    riverton.tenant.cows_alert_recipients.create(user=riverton.clerk)
    assert page_queries() == few
