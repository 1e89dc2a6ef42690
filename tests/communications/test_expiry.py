"""Expired communications disappear on their expiry date, counted in the city's time zone."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from communications.selectors import city_today, current_communications

DENVER = zoneinfo.ZoneInfo("America/Denver")


def test_a_communication_is_shown_the_day_before_it_expires_and_hidden_on_its_expiry_date(riverton, post):
    communication = post(riverton, expires_on=date(2026, 11, 26))
    assert list(current_communications(tenant=riverton.tenant, today=date(2026, 11, 25))) == [communication]
    assert list(current_communications(tenant=riverton.tenant, today=date(2026, 11, 26))) == []
    assert list(current_communications(tenant=riverton.tenant, today=date(2026, 11, 27))) == []


def test_a_communication_without_an_expiry_date_stays(riverton, post):
    communication = post(riverton)
    assert list(current_communications(tenant=riverton.tenant, today=date(2099, 1, 1))) == [communication]


def test_half_past_eleven_at_night_in_the_city_is_still_today_although_utc_is_already_tomorrow(riverton):
    late_evening = datetime(2026, 11, 25, 23, 30, tzinfo=DENVER)
    assert late_evening.astimezone(UTC).date() == date(2026, 11, 26)
    assert city_today(tenant=riverton.tenant, now=late_evening) == date(2026, 11, 25)
    assert city_today(tenant=riverton.tenant, now=late_evening + timedelta(hours=1)) == date(2026, 11, 26)


def test_by_default_the_selector_counts_days_in_the_city_time_zone(riverton, post, monkeypatch):
    communication = post(riverton, expires_on=date(2026, 11, 26))
    late_evening = datetime(2026, 11, 25, 23, 30, tzinfo=DENVER)

    monkeypatch.setattr(timezone, "now", lambda: late_evening)
    assert list(current_communications(tenant=riverton.tenant)) == [communication]

    monkeypatch.setattr(timezone, "now", lambda: late_evening + timedelta(hours=1))
    assert list(current_communications(tenant=riverton.tenant)) == []


def test_each_city_counts_days_in_its_own_time_zone(riverton, lakeside, post, monkeypatch):
    in_riverton = post(riverton, expires_on=date(2026, 11, 26))
    post(lakeside, expires_on=date(2026, 11, 26))
    # 23:30 in Denver is 00:30 the next day in Chicago.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 25, 23, 30, tzinfo=DENVER))
    assert list(current_communications(tenant=riverton.tenant)) == [in_riverton]
    assert list(current_communications(tenant=lakeside.tenant)) == []


def test_the_list_shows_one_expiring_tomorrow_and_hides_one_expiring_today(riverton, post, client_for):
    today = city_today(tenant=riverton.tenant)
    tomorrow_one = post(riverton, "Leaf pickup schedule", expires_on=today + timedelta(days=1))
    today_one = post(riverton, "Hydrant flushing this week", expires_on=today)
    client = client_for(riverton.resident, riverton.tenant)

    body = client.get("/communications/").content.decode()

    assert "Leaf pickup schedule" in body
    assert "Hydrant flushing this week" not in body
    assert client.get(f"/communications/{tomorrow_one.pk}/pdf/").status_code == 200
    assert client.get(f"/communications/{today_one.pk}/pdf/").status_code == 404
