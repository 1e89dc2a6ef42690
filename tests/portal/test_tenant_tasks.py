"""Tasks run in the city's time: its today, its log context, and neither left behind for the next task."""

from __future__ import annotations

from datetime import date, datetime, timezone as dt_timezone

import pytest
import time_machine
from django.db.models.signals import post_save
from django.utils import timezone

from billing.accounts.models import HistorySync, PeriodState
from billing.accounts.tasks import poll_periods, sync_account_history
from cows_bridge.tasks import probe_links
from portal.context import current_tenant_slug

# 06:30 UTC on Dec 2: past midnight in Lakeside (Chicago, 00:30 Dec 2), still Dec 1 in Riverton (Denver, 23:30).
INSTANT = datetime(2026, 12, 2, 6, 30, tzinfo=dt_timezone.utc)


@pytest.fixture(autouse=True)
def fresh_worker_thread():
    """A worker thread starts with no city (a page request in this thread leaves its city's slug behind)."""
    token = current_tenant_slug.set(None)
    yield
    current_tenant_slug.reset(token)


@pytest.fixture
def seen():
    """What the work inside a task sees each time it writes a row: the city's today and the log's tenant."""
    views: list[tuple[str, date, str | None]] = []

    def note(sender, instance, **kwargs):
        views.append((instance.tenant.slug, timezone.localdate(), current_tenant_slug.get()))

    for model in (PeriodState, HistorySync):
        post_save.connect(note, sender=model, dispatch_uid=f"seen-{model.__name__}")
    yield views
    for model in (PeriodState, HistorySync):
        post_save.disconnect(sender=model, dispatch_uid=f"seen-{model.__name__}")


def assert_clean_worker():
    """Nothing of the last city is left for the next task in this thread."""
    assert timezone.get_current_timezone_name() == "UTC"
    assert timezone.localdate() == date(2026, 12, 2)
    assert current_tenant_slug.get() is None


def test_the_period_sweep_sees_each_citys_own_today(cows, riverton, lakeside, seen):
    with time_machine.travel(INSTANT, tick=False):
        result = poll_periods.apply().get()
        assert set(result) == {"riverton", "lakeside"}
        assert sorted(set(seen)) == [("lakeside", date(2026, 12, 2), "lakeside"), ("riverton", date(2026, 12, 1), "riverton")]
        assert_clean_worker()


def test_copying_one_accounts_history_opens_its_city(account, riverton, seen):
    seen.clear()
    with time_machine.travel(INSTANT, tick=False):
        sync_account_history.apply(args=(riverton.tenant.id, account)).get()
        assert seen and set(seen) == {("riverton", date(2026, 12, 1), "riverton")}
        assert_clean_worker()


def test_a_task_that_fails_still_leaves_the_worker_clean(cows, riverton, seen):
    cows.set_fault(operation="*", mode="error", status=500, office="riverton")
    with time_machine.travel(INSTANT, tick=False):
        result = sync_account_history.apply(args=(riverton.tenant.id, "999999999"), throw=False)
        assert result.failed()
        assert_clean_worker()


def test_link_probes_judge_each_city_by_its_own_answer(cows, riverton, lakeside):
    cows.set_fault(operation="status", mode="malformed", variant="not_json", office="lakeside")
    with time_machine.travel(INSTANT, tick=False):
        assert probe_links.apply().get() == {"riverton": True, "lakeside": False}
        assert_clean_worker()
