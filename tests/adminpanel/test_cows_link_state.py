"""Admin - COWS and the Overview: a refused key shows the link down with its reason until the right key is saved,
how fresh the link's state is, and the audit log's words for a key change."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core import mail

from adminpanel.models import AuditEntry
from cows_bridge.models import CowsLink, CowsOutage

from .test_cows_settings import CONNECTION, TEST, carl, text  # noqa: F401 - carl is a fixture


def test_a_refused_key_shows_the_link_down_with_its_reason_until_a_right_key_is_saved_and_tested(
        cows, riverton, carl, django_capture_on_commit_callbacks):
    riverton.tenant.cows_api_key = "not-the-key"
    riverton.tenant.save()
    page = text(carl.post(TEST, follow=True)).replace("\n", "")
    assert "COWS answered but refused the key." in page
    assert "Now</dt><dd><strong>Down</strong>" in page
    assert "COWS refused the portal's key (401)" in page and "Still down" in page
    assert "COWS has refused the portal's key since" in page and "COWS is not answering since" not in page
    assert [m.subject for m in mail.outbox] == [
        "[City of Riverton] COWS refused the portal's key: payments cannot reach Caselle"]
    overview = text(carl.get("/office/"))
    assert "Down<span class=\"visually-hidden\"> Billing system link (COWS)</span>" in overview
    assert "The link to your billing system (Caselle) is down since" in overview

    with django_capture_on_commit_callbacks(execute=True):
        carl.post(CONNECTION, {"cows_url": cows.office_url("riverton"), "cows_api_key": "riverton-key"})
    page = text(carl.post(TEST, follow=True)).replace("\n", "")
    assert "Connected to City of Riverton." in page and "Now</dt><dd>Up</dd>" in page
    assert "Still down" not in page and "COWS has refused the portal's key since" not in page
    assert CowsOutage.objects.get(tenant=riverton.tenant).ended_at is not None
    assert "[City of Riverton] COWS is running again" in [m.subject for m in mail.outbox]
    assert "Up<span class=\"visually-hidden\"> Billing system link (COWS)</span>" in text(carl.get("/office/"))


def test_the_overview_says_how_fresh_the_links_state_is_in_the_citys_time(riverton, client_for):
    riverton.tenant.cows_url = "http://127.0.0.1:9/cows"
    riverton.tenant.save()
    # 06:30 UTC on March 15, 2026 is 12:30 AM in Denver (Riverton); the later of the last answer and failure counts.
    CowsLink.objects.create(tenant=riverton.tenant, last_success_at=datetime(2026, 3, 15, 6, 30, tzinfo=UTC),
                            last_failure_at=datetime(2026, 3, 14, 20, 0, tzinfo=UTC))
    body = text(client_for(riverton.clerk, riverton.tenant).get("/office/"))
    assert ('Up<span class="visually-hidden"> Billing system link (COWS)</span></a>'
            '<span class="figure-note">as of Mar 15, 2026 12:30 AM</span>') in body


def test_the_audit_log_says_the_key_was_set_before_a_change_and_empty_only_when_none_was(cows, riverton, carl):
    carl.post(CONNECTION, {"cows_url": cows.office_url("riverton"), "cows_api_key": "riverton-key-2"})
    page = text(carl.get("/office/settings/audit/"))
    assert "<dt>COWS API key</dt><dd>" in page and "(set)</del>" in page and "(changed)</ins>" in page
    assert "(empty)</del>" not in page
    riverton.tenant.cows_api_key = ""
    riverton.tenant.save()
    carl.post(CONNECTION, {"cows_url": cows.office_url("riverton"), "cows_api_key": "riverton-key"})
    assert AuditEntry.objects.filter(action="settings.cows_connection").first().changes == {
        "cows_api_key": ["", "(set)"]}
