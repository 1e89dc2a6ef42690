"""A key COWS refuses (401, 403) counts against the link like an outage: the link goes down, the office is told it
is the key, and work waits for the key to be fixed instead of failing; other refusals still mean the link works."""

from __future__ import annotations

import html

import pytest
from django.core import mail

from communications.bill_emails import runs
from cows_bridge import client
from cows_bridge.errors import CowsAuthFailed, CowsNotFound, CowsRejected
from cows_bridge.models import CowsLink, CowsOutage
from customers.models import LinkAttempt, LinkedAccount

from ..communications.test_bill_emails import SLUG, close_period, emails, go_paperless, office  # noqa: F401
from ..conftest import connect_to_office, link_sample

REFUSED = "[City of Riverton] COWS refused the portal's key: payments cannot reach Caselle"
BACK = "[City of Riverton] COWS is running again"


def wrong_key(city) -> None:
    city.tenant.cows_api_key = "not-the-key"
    city.tenant.save()


def link(city) -> CowsLink:
    return CowsLink.objects.get(tenant=city.tenant)


def subjects() -> list[str]:
    return [m.subject for m in mail.outbox if "COWS" in m.subject]


def test_a_refused_key_takes_the_link_down_at_once_and_the_alert_says_it_is_the_key(cows, riverton):
    wrong_key(riverton)
    with pytest.raises(CowsAuthFailed):
        client.get_status(riverton.tenant)

    state = link(riverton)
    assert state.is_down and state.down_since is not None and state.last_failure_at is not None
    assert state.last_error == "COWS refused the portal's key (401)"
    outage = CowsOutage.objects.get(tenant=riverton.tenant)
    assert outage.ended_at is None and outage.last_error == "COWS refused the portal's key (401)"

    assert subjects() == [REFUSED]
    alert = mail.outbox[-1]
    assert alert.to == ["carl@riverton.example"]
    assert "COWS refused the portal's key" in alert.body and 'choose "Change address or key"' in alert.body
    assert "restart" not in alert.body and "COWS is not running" not in alert.body

    # Still refused: the probe says so, and the office is not told twice.
    assert client.probe(riverton.tenant) is False
    assert subjects() == [REFUSED] and CowsOutage.objects.count() == 1


def test_once_the_key_is_fixed_the_next_call_closes_the_outage_and_says_cows_is_running_again(cows, riverton):
    wrong_key(riverton)
    assert client.probe(riverton.tenant) is False
    connect_to_office(riverton, cows, "riverton")

    assert client.get_status(riverton.tenant).name == "City of Riverton"
    state = link(riverton)
    assert not state.is_down and state.consecutive_failures == 0
    assert CowsOutage.objects.get(tenant=riverton.tenant).ended_at is not None
    assert subjects() == [REFUSED, BACK]


def test_a_403_counts_like_any_other_failure_so_two_in_a_row_take_the_link_down(cows, riverton):
    cows.set_fault(operation="status", mode="error", status=403, office="riverton")
    with pytest.raises(CowsAuthFailed):
        client.get_status(riverton.tenant)
    state = link(riverton)
    assert not state.is_down and state.last_error == "COWS refused the portal's key (403)"
    assert subjects() == []

    assert client.probe(riverton.tenant) is False
    assert link(riverton).is_down and subjects() == [REFUSED]


def test_refusing_one_request_still_means_the_link_works(cows, riverton):
    with pytest.raises(CowsNotFound):
        client.get_account(riverton.tenant, "999-9999-99")
    cows.set_fault(operation="status", mode="error", status=409, office="riverton")
    with pytest.raises(CowsRejected):
        client.get_status(riverton.tenant)
    assert client.probe(riverton.tenant) is True

    state = link(riverton)
    assert not state.is_down and state.last_failure_at is None and state.consecutive_failures == 0
    assert subjects() == [] and not CowsOutage.objects.exists()


def test_a_resident_linking_while_the_key_is_refused_is_told_to_try_later_not_that_the_account_is_unknown(
        cows, riverton, client_for):
    s = cows.samples("riverton")[0]
    wrong_key(riverton)
    response = client_for(riverton.resident, riverton.tenant).post(
        "/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"]})
    body = html.unescape(response.content.decode())
    assert "We can't reach the city's billing system right now. Please try again in a few minutes." in body
    assert "We couldn't find an account" not in body
    assert LinkAttempt.objects.get().outcome == "unavailable" and not LinkedAccount.objects.exists()


def test_email_bills_wait_while_the_key_is_refused_and_go_out_once_it_is_fixed(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    right_key = riverton.tenant.cows_api_key
    wrong_key(riverton)

    assert runs.work_on_run(run_id=run.pk) == "cows_unavailable"
    run.refresh_from_db()
    assert run.state == "walking" and run.last_error == "auth_failed"
    assert not emails(run).exists()

    riverton.tenant.cows_api_key = right_key
    riverton.tenant.save()
    assert runs.work_on_run(run_id=run.pk, now=run.due_at) == "done"
    assert emails(run).count() == 2


def test_a_403_on_one_accounts_bill_stops_the_run_rather_than_passing_the_account_by(office, riverton):
    key = link_sample(office, riverton, 0)
    go_paperless(riverton, key)
    run = close_period(office, riverton)
    office.set_fault(operation="bills", mode="error", status=403, office=SLUG)

    assert runs.work_on_run(run_id=run.pk) == "cows_unavailable"
    run.refresh_from_db()
    assert run.last_error == "auth_failed" and not emails(run).exists()
    office.clear_faults()
    assert runs.work_on_run(run_id=run.pk, now=run.due_at) == "done"
    assert emails(run).count() == 2
