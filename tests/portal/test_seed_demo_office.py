"""manage.py seed_demo with the simulator's demo office, as bin/run runs it: every issue-11 screen has something."""

from __future__ import annotations

import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from adminpanel.selectors import portal_overview
from billing.payments.deposits import deposits_for, reconciliation_accounts
from billing.payments.models import Payment
from communications.bill_emails.selectors import run_figures, runs
from communications.campaigns.models import Campaign
from communications.outbox.models import OutboundEmail
from portal.management.demo.deposits import previous_business_day
from portal.models import Tenant


@pytest.fixture
def demo_office(transactional_db, sim, tmp_path, settings):
    """The simulator's demo office as bin/run makes it (300 customers, seed 7, last month closed)."""
    settings.COWS_READ_TIMEOUT = 5.0
    out = sim.generate("demo", name="City of Demo", api_key="demo-cows-key", customers=300, seed=7)
    sim.close_period("demo")
    samples = tmp_path / "demo-samples.json"
    samples.write_text(json.dumps(out) + "\n")
    return ["--cows-url", sim.office_url("demo"), "--cows-key", "demo-cows-key", "--samples", str(samples)]


def _seed(args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _state(demo: Tenant) -> dict:
    """What the office's screens count, to compare a second seeding with the first."""
    return {
        "payments": demo.payments.count(),
        "emails": OutboundEmail.objects.filter(tenant=demo).count(),
        "campaigns": demo.campaigns.count(),
        "runs": demo.bill_email_runs.count(),
        "linked": demo.linked_accounts.count(),
        "paperless": portal_overview(tenant=demo)["paperless_count"],
    }


def test_the_demo_city_shows_every_office_screen_with_content_and_seeding_twice_changes_nothing(
        demo_office, tmp_path):
    printed = _seed(demo_office)
    demo = Tenant.objects.get(slug="demo")

    # Overview counts a paperless account; Email Bills has a period whose emails were sent.
    assert portal_overview(tenant=demo)["paperless_count"] > 0
    [figures] = run_figures(tenant=demo, runs=list(runs(tenant=demo)))
    assert figures.sent > 0 and figures.failed == 0

    # Deposit Reconciliation: the previous business day has a deposit in each account, its lines adding up,
    # the Utility one with the ACH return as a negative line.
    day = previous_business_day(timezone.localdate(timezone=demo.zone))
    reports = {a.purpose: deposits_for(tenant=demo, account=a, deposit_date=day)
               for a in reconciliation_accounts(tenant=demo)}
    assert set(reports) == {"general", "utility"}
    for report in reports.values():
        assert report.found and report.lines and report.balanced
        assert report.totals["net"] == report.deposit_amount
    returns = [line for line in reports["utility"].lines if line.kind == "return"]
    assert len(returns) == 1 and returns[0].net < 0
    assert demo.payments.filter(state=Payment.State.RETURNED).count() == 1

    # Create Communications lists a sent campaign; the Email log holds several kinds, sent.
    assert demo.campaigns.get().state == Campaign.State.SENT
    kinds = Counter(OutboundEmail.objects.filter(tenant=demo, state=OutboundEmail.State.SENT)
                    .values_list("kind", flat=True))
    assert {"campaign", "bill_utility", "payment_returned"} <= set(kinds), kinds
    assert kinds["payment_receipt"] >= 4, kinds

    # The office's footer address is in the town its accounts are in (the simulator's town line).
    town = json.loads((tmp_path / "demo-samples.json").read_text())["town"]
    assert town.startswith("Demo, ") and demo.portal_settings.office_address == "100 Main Street\n" + town

    # bin/run's "can link" list offers only accounts nobody linked.
    linked = set(demo.linked_accounts.values_list("customer_number", flat=True))
    listed = [line.split()[0] for line in (tmp_path / "demo-accounts.txt").read_text().splitlines()]
    assert listed and not set(listed) & linked
    assert "Deposits of" in printed and "Payment Due emails those who owe on" in printed

    before = _state(demo)
    _seed(demo_office)  # bin/run seeds on every start
    assert _state(demo) == before
    assert [line.split()[0] for line in (tmp_path / "demo-accounts.txt").read_text().splitlines()] == listed
