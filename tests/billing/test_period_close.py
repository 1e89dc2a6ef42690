import html
from decimal import Decimal

from billing.accounts import periods
from billing.formatting import money
from billing.accounts.models import PeriodState
from billing.accounts.tasks import poll_periods
from tests.conftest import link_sample


def test_before_close_the_new_bill_amount_does_not_change(cows, riverton):
    key = link_sample(cows, riverton)
    before = cows.get(f"/accounts/{key}", office="riverton").json()
    assert periods.poll_period_state(tenant=riverton.tenant) is False  # first look only records
    assert periods.poll_period_state(tenant=riverton.tenant) is False
    after = cows.get(f"/accounts/{key}", office="riverton").json()
    assert after["last_billed_amount"] == before["last_billed_amount"]


def test_closing_the_period_in_the_office_shows_the_new_bill_without_anyone_clicking(cows, riverton, client_for):
    key = link_sample(cows, riverton)
    client = client_for(riverton.resident, riverton.tenant)
    client.get(f"/utility/accounts/{key}/history/")  # the local copy exists
    periods.poll_period_state(tenant=riverton.tenant)
    state = PeriodState.objects.get(tenant=riverton.tenant)
    open_label = state.open_period_label

    # Forced: the session's Riverton office may already have closed the month that had ended.
    cows.close_period("riverton", force=True)
    assert periods.poll_period_state(tenant=riverton.tenant) is True

    account = cows.get(f"/accounts/{key}", office="riverton").json()
    home = html.unescape(client.get("/utility/").content.decode())
    assert money(Decimal(account["balance_due"])) in home
    assert money(Decimal(account["last_billed_amount"])) in home
    history = html.unescape(client.get(f"/utility/accounts/{key}/history/").content.decode())
    assert f"Utility bill {open_label}" in history
    newest = cows.get(f"/accounts/{key}/bills", office="riverton").json()["bills"][0]
    assert newest["period_label"] == open_label
    pdf = client.get(f"/utility/accounts/{key}/bills/{newest['bill_id']}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_the_periodic_task_runs_in_a_real_worker(cows, riverton, celery_worker_process):
    link_sample(cows, riverton)
    result = poll_periods.delay()
    assert result.get(timeout=60) == {"riverton": False, "lakeside": False}
    cows.close_period("lakeside")
    assert poll_periods.delay().get(timeout=60) == {"riverton": False, "lakeside": True}
