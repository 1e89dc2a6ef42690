"""AutoPay settings on the Scheduled Payments screen: each change checked, a refused form saves nothing."""

import html

import pytest

from autopay.enrollment import autopay_settings
from autopay.models import AutoPaySettings

from .audit_helpers import audit_rows

SETTINGS = "/office/autopay/settings/"
VALID = {"max_days_before_due": "14", "charge_hour": "7", "schedule_on_close": "on", "reminder_days": "2"}


def saved(city) -> AutoPaySettings:
    return AutoPaySettings.objects.get(tenant=city.tenant)


def test_the_clerk_changes_the_autopay_settings(riverton, client_for):
    response = client_for(riverton.clerk, riverton.tenant).post(SETTINGS, {**VALID, "schedule_on_close": ""},
                                                                follow=True)
    assert "The AutoPay settings were saved." in html.unescape(response.content.decode())
    settings = saved(riverton)
    assert (settings.max_days_before_due, settings.charge_hour, settings.schedule_on_close,
            settings.reminder_days) == (14, 7, False, 2)
    assert audit_rows(riverton, "settings.autopay") == [(riverton.clerk, "", {
        "max_days_before_due": [10, 14], "charge_hour": [6, 7], "schedule_on_close": [True, False],
        "reminder_days": [3, 2]})]


def test_the_screen_shows_the_current_settings(riverton, client_for):
    autopay_settings(riverton.tenant)
    AutoPaySettings.objects.filter(tenant=riverton.tenant).update(charge_hour=9)
    body = client_for(riverton.clerk, riverton.tenant).get("/office/autopay/").content.decode()
    assert 'name="charge_hour" value="9"' in body and "Save AutoPay settings" in body


@pytest.mark.parametrize("field, value, message", [
    ("charge_hour", "24", "Choose an hour from 0 to 23."),
    ("charge_hour", "-1", "Choose an hour from 0 to 23."),
    ("charge_hour", "six", "Choose an hour from 0 to 23."),
    ("max_days_before_due", "29", "Choose from 0 to 28 days."),
    ("max_days_before_due", "", "This field is required."),
    ("reminder_days", "15", "Choose from 0 to 14 days."),
])
def test_a_value_out_of_range_is_refused_and_nothing_is_saved(riverton, lakeside, client_for, field, value, message):
    before = autopay_settings(riverton.tenant)
    response = client_for(riverton.clerk, riverton.tenant).post(SETTINGS, {**VALID, field: value})
    body = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert message in body and "Nothing was saved." in body
    settings = saved(riverton)
    assert (settings.max_days_before_due, settings.charge_hour, settings.reminder_days) == (
        before.max_days_before_due, before.charge_hour, before.reminder_days)
    assert audit_rows(riverton, "settings.autopay") == []


def test_another_citys_settings_are_untouched(riverton, lakeside, client_for):
    client_for(riverton.clerk, riverton.tenant).post(SETTINGS, VALID)
    assert autopay_settings(lakeside.tenant).charge_hour == 6 and saved(riverton).charge_hour == 7
