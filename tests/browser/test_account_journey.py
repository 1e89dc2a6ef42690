import re
from decimal import Decimal

from playwright.sync_api import expect
import pytest

from billing.accounts import periods
from billing.formatting import money

from ..conftest import link_sample
from .conftest import assert_accessible, city_url, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_sees_bills_breakdown_pdf_graphs_and_goes_paperless(live_server, page, cows, riverton, password):
    key = link_sample(cows, riverton)
    sign_in(page, live_server, riverton.resident, password)
    page.get_by_role("link", name="Utility Billing").first.click()
    assert_accessible(page)

    page.get_by_role("link", name="Bills and Payments").first.click()
    expect(page.get_by_role("heading", name="Bills and Payments")).to_be_visible()
    assert_accessible(page)
    bills = cows.get(f"/accounts/{key}/bills", office="riverton").json()["bills"]
    expect(page.get_by_role("cell", name=f"Utility bill {bills[0]['period_label']}", exact=True)).to_be_visible()

    # The amount opens its breakdown in place (htmx), without leaving the page.
    lines = cows.get(f"/accounts/{key}/transactions", office="riverton").json()["transactions"]
    group = bills[0]["bill_id"]
    url_before = page.url
    page.locator(f'a[hx-get$="/history/{group}/"]').click()
    breakdown = page.locator(f"#d-{group}")
    breakdown.get_by_text("Import Readings").wait_for()
    assert page.url == url_before
    for line in (l for l in lines if l["group_id"] == group):
        assert breakdown.get_by_text(line["service"], exact=True).count() >= 1
    assert_accessible(page)

    # View opens the bill PDF.
    with page.context.expect_page() as new_page:
        page.get_by_role("link", name=re.compile(f"View.*{bills[0]['period_label']}")).click()
    pdf_page = new_page.value
    pdf_page.wait_for_load_state()
    assert f"/bills/{group}.pdf" in pdf_page.url
    pdf_page.close()

    page.get_by_role("link", name="Graphs").first.click()
    expect(page.get_by_role("heading", name="Water usage by month")).to_be_visible()
    expect(page.get_by_role("heading", name="Sewer usage by month")).to_be_visible()
    expect(page.get_by_role("heading", name="Total billed by month")).to_be_visible()
    page.locator(".graph .main-svg").first.wait_for()  # Plotly drew it, from our own server
    assert page.locator(".modebar").count() >= 1
    page.get_by_text("Show the numbers as a table").first.click()
    expect(page.get_by_role("row", name=re.compile("^Jan")).first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Utility Billing").first.click()
    page.get_by_role("button", name="Enroll in Paperless").click()
    expect(page.get_by_text("is enrolled in paperless billing")).to_be_visible()
    assert cows.get(f"/accounts/{key}", office="riverton").json()["send_paper_statement"] is False
    page.get_by_role("button", name="Switch back to paper statements").click()
    assert cows.get(f"/accounts/{key}", office="riverton").json()["send_paper_statement"] is True


def test_office_closes_the_period_and_the_new_bill_appears(live_server, page, cows, riverton, password):
    key = link_sample(cows, riverton, 1)
    periods.poll_period_state(tenant=riverton.tenant)
    sign_in(page, live_server, riverton.resident, password)
    page.goto(city_url(live_server, "riverton", f"/utility/accounts/{key}/history/"))
    open_label = cows.get("/status", office="riverton").json()["open_period"]["label"]
    expect(page.get_by_role("cell", name=f"Utility bill {open_label}", exact=True)).to_have_count(0)

    # Forced: the session's Riverton office may already have closed the month that had ended.
    cows.close_period("riverton", force=True)
    periods.poll_period_state(tenant=riverton.tenant)  # what beat does every minute
    page.reload()
    expect(page.get_by_role("cell", name=f"Utility bill {open_label}", exact=True)).to_be_visible()
    account = cows.get(f"/accounts/{key}", office="riverton").json()
    page.goto(city_url(live_server, "riverton", "/utility/"))
    expect(page.get_by_text(money(Decimal(account["balance_due"]))).first).to_be_visible()
