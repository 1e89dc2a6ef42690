"""The audit log keeps who did what, and the app can only add to it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import RequestFactory

from adminpanel import audit
from adminpanel.models import AppendOnly, AuditEntry

pytestmark = pytest.mark.django_db


def _request(city):
    request = RequestFactory().post("/office/", REMOTE_ADDR="203.0.113.7")
    request.user, request.tenant = city.clerk, city.tenant
    return request


def test_a_write_is_recorded_with_the_person_the_city_and_the_address(riverton):
    entry = audit.record(_request(riverton), "settings.portal", "Changed the landing message",
                         changes={"landing_message": ["", "Welcome"]})
    entry.refresh_from_db()
    assert (entry.tenant, entry.actor, entry.actor_email) == (riverton.tenant, riverton.clerk, riverton.clerk.email)
    assert entry.ip == "203.0.113.7"
    assert entry.changes == {"landing_message": ["", "Welcome"]}


def test_entries_can_be_neither_changed_nor_deleted(riverton):
    entry = audit.record(_request(riverton), "settings.portal", "Changed the theme colour")
    entry.summary = "Nothing happened"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="Nothing happened")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "Changed the theme colour"


def test_changes_list_only_what_changed_and_never_a_secret_value():
    before = {"theme_colour": "#1d4ed8", "fee": Decimal("1.50"), "stripe_secret_key": "sk_test_old", "webhook": ""}
    after = {"theme_colour": "#14532d", "fee": Decimal("1.50"), "stripe_secret_key": "sk_test_new", "webhook": "whsec_1"}
    found = audit.changes(before, after, secret={"stripe_secret_key", "webhook"})
    assert found == {"theme_colour": ["#1d4ed8", "#14532d"], "stripe_secret_key": ["(set)", "(changed)"],
                     "webhook": ["", "(set)"]}
    assert "sk_test" not in str(found)
    assert audit.changes({"k": "sk_1"}, {"k": ""}, secret={"k"}) == {"k": ["(set)", "(removed)"]}


def test_a_file_field_is_logged_by_its_name_even_when_empty(riverton):
    settings = riverton.tenant.portal_settings
    assert audit.changes({"logo": settings.logo}, {"logo": "logos/new.png"}) == {"logo": ["", "logos/new.png"]}


def test_a_snapshot_reads_as_the_office_does_choices_by_label_times_in_the_citys_zone(riverton):
    from datetime import datetime, timezone as utc

    from django.utils import timezone

    from billing.payments.models import PaymentSettings

    settings = PaymentSettings(tenant=riverton.tenant, provider="stripe")
    assert audit.snapshot(settings, ["provider"]) == {"provider": "Stripe"}
    riverton.clerk.date_joined = datetime(2026, 12, 6, 13, 0, tzinfo=utc.utc)
    with timezone.override(riverton.tenant.zone):
        assert audit.snapshot(riverton.clerk, ["date_joined"]) == {"date_joined": "Dec 6, 2026 6:00 AM"}
