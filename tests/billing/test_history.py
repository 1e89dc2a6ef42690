import html
from decimal import Decimal

from billing.formatting import money
from billing.accounts.models import Bill, HistoryEntry


def office(cows, path):
    return cows.get(path, office="riverton").json()


def test_bills_and_payments_shows_three_years_newest_first_with_view_links(cows, riverton, account, client_for):
    key = account
    client = client_for(riverton.resident, riverton.tenant)
    body = html.unescape(client.get(f"/utility/accounts/{key}/history/").content.decode())
    bills = office(cows, f"/accounts/{key}/bills")["bills"]
    assert len(bills) >= 35  # three years of monthly bills
    newest = bills[0]
    assert f"Utility bill {newest['period_label']}" in body
    assert money(Decimal(newest["current_charges"])) in body or money(Decimal(newest["total_due"])) in body
    assert f"/utility/accounts/{key}/bills/{newest['bill_id']}.pdf" in body
    assert "Page 1 of" in body
    entries = HistoryEntry.objects.filter(tenant=riverton.tenant, account_key=key).count()
    lines = office(cows, f"/accounts/{key}/transactions")["transactions"]
    assert entries == len({l["group_id"] for l in lines})


def test_amount_opens_its_breakdown_by_service_in_place_and_as_a_page(cows, riverton, account, client_for):
    key = account
    client = client_for(riverton.resident, riverton.tenant)
    client.get(f"/utility/accounts/{key}/history/")
    lines = office(cows, f"/accounts/{key}/transactions")["transactions"]
    bill_group = next(l["group_id"] for l in lines if l["type"] == "Billing")
    bill_lines = [l for l in lines if l["group_id"] == bill_group]
    partial = client.get(f"/utility/accounts/{key}/history/{bill_group}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    for line in bill_lines:
        assert line["service"] in partial
        assert money(Decimal(line["amount"])) in partial
    assert "Import Readings" in partial and "Billing" in partial
    page = client.get(f"/utility/accounts/{key}/history/{bill_group}/").content.decode()
    assert "<html" in page and "Transaction details" in page
    pay_group = next(l["group_id"] for l in lines if l["type"] == "Payment")
    pay = html.unescape(client.get(f"/utility/accounts/{key}/history/{pay_group}/").content.decode())
    assert "UTILITY PAYMENTS" in pay and "($" in pay


def test_bill_pdf_is_served_inline_with_nosniff(cows, riverton, account, client_for):
    key = account
    client = client_for(riverton.resident, riverton.tenant)
    client.get(f"/utility/accounts/{key}/history/")
    bill = Bill.objects.filter(tenant=riverton.tenant, account_key=key).order_by("-bill_date").first()
    response = client.get(f"/utility/accounts/{key}/bills/{bill.bill_id}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")
    latest = client.get(f"/utility/accounts/{key}/bills/latest.pdf")
    assert latest.status_code == 200 and latest.content == response.content


def test_a_bill_whose_pdf_the_office_cannot_produce_says_not_available_yet(cows, riverton, account, client_for):
    key = account
    bills = office(cows, f"/accounts/{key}/bills")["bills"]
    missing = bills[1]["bill_id"]
    cows.set_missing_pdfs("riverton", [missing])
    try:
        client = client_for(riverton.resident, riverton.tenant)
        body = client.get(f"/utility/accounts/{key}/history/").content.decode()
        assert "PDF not available yet" in body
        assert f"/bills/{missing}.pdf" not in body
        response = client.get(f"/utility/accounts/{key}/bills/{missing}.pdf")
        assert response.status_code == 404
        assert "not available yet" in html.unescape(response.content.decode())
    finally:
        cows.set_missing_pdfs("riverton", [])


def test_history_still_renders_from_the_local_copy_when_the_office_is_down(cows, riverton, account, client_for,
                                                                         settings):
    key = account
    client = client_for(riverton.resident, riverton.tenant)
    client.get(f"/utility/accounts/{key}/history/")
    settings.HISTORY_FRESH_SECONDS = 0
    cows.set_fault(operation="*", mode="error", status=503)
    response = client.get(f"/utility/accounts/{key}/history/")
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert "This history is as of" in body
    assert "Utility bill" in body
    graphs = html.unescape(client.get(f"/utility/accounts/{key}/graphs/").content.decode())
    assert "These graphs are as of" in graphs and "Water usage by month" in graphs


def test_graphs_show_each_metered_service_and_billed_totals_with_office_figures(cows, riverton, account,
                                                                              client_for):
    key = account
    client = client_for(riverton.resident, riverton.tenant)
    body = html.unescape(client.get(f"/utility/accounts/{key}/graphs/").content.decode())
    assert "Water usage by month" in body and "Sewer usage by month" in body and "Total billed by month" in body
    assert "plotly-basic-4.1.1.min.js" in body
    assert "Show the numbers as a table" in body
    import json
    import re

    usage = office(cows, f"/accounts/{key}/usage")["services"]["WATER"]
    last = usage[-1]
    year, month = (int(x) for x in last["period_label"].split("-"))
    # Water is drawn first (usage-0), then sewer, as on the statements.
    figure = json.loads(re.search(r'<script id="usage-0-data" type="application/json">(.*?)</script>', body, re.S).group(1))
    trace = next(t for t in figure["data"] if t["name"] == str(year))
    assert trace["y"][month - 1] == float(last["usage"])
    assert len(figure["data"]) >= 3  # this year against the years before


def test_another_accounts_and_another_citys_ids_are_404(cows, riverton, lakeside, account, client_for):
    key = account
    rosa = client_for(riverton.resident, riverton.tenant)
    rosa.get(f"/utility/accounts/{key}/history/")
    bill = Bill.objects.filter(tenant=riverton.tenant, account_key=key).first()
    group = HistoryEntry.objects.filter(tenant=riverton.tenant, account_key=key).first().group_id
    other = cows.samples("riverton")[1]["customer_number"].replace("-", "")
    assert rosa.get(f"/utility/accounts/{other}/history/").status_code == 404
    assert rosa.get(f"/utility/accounts/{other}/bills/{bill.bill_id}.pdf").status_code == 404
    lena = client_for(lakeside.resident, lakeside.tenant)
    for url in (f"/utility/accounts/{key}/history/", f"/utility/accounts/{key}/history/{group}/",
                f"/utility/accounts/{key}/bills/{bill.bill_id}.pdf", f"/utility/accounts/{key}/graphs/"):
        assert lena.get(url).status_code == 404, url
    assert rosa.get(f"/utility/accounts/{key}/history/NOPE-1/").status_code == 404
    assert rosa.get(f"/utility/accounts/{key}/bills/NOPE-1.pdf").status_code == 404


def test_paperless_enrollment_clears_the_office_flag_and_is_reversible(cows, riverton, account, client_for):
    key = account
    client = client_for(riverton.resident, riverton.tenant)
    assert office(cows, f"/accounts/{key}")["send_paper_statement"] is True
    body = client.get("/utility/").content.decode()
    assert "Enroll in Paperless" in body
    client.post(f"/utility/accounts/{key}/paperless/", {"paperless": "on"})
    assert office(cows, f"/accounts/{key}")["send_paper_statement"] is False
    body = html.unescape(client.get("/utility/").content.decode())
    assert "Paperless: your bills come by email." in body
    client.post(f"/utility/accounts/{key}/paperless/", {"paperless": "off"})
    assert office(cows, f"/accounts/{key}")["send_paper_statement"] is True


def test_paperless_when_the_office_is_down_changes_nothing_and_says_so(cows, riverton, account, client_for):
    key = account
    cows.set_fault(operation="set_paperless", mode="error", status=503)
    client = client_for(riverton.resident, riverton.tenant)
    response = client.post(f"/utility/accounts/{key}/paperless/", {"paperless": "on"}, follow=True)
    assert "nothing was changed" in html.unescape(response.content.decode())
    cows.clear_faults()
    assert office(cows, f"/accounts/{key}")["send_paper_statement"] is True


def test_paperless_requires_post(cows, riverton, account, client_for):
    key = account
    assert client_for(riverton.resident, riverton.tenant).get(f"/utility/accounts/{key}/paperless/").status_code == 405
