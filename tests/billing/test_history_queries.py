"""Pages read the local copy: their query count does not grow with the length of the history."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.accounts.models import AccountSnapshot, Bill, HistoryEntry, HistoryLine, HistorySync, UsageRead
from customers.models import LinkedAccount

KEY = "10042000"


def make_history(tenant, years: int) -> None:
    entries, lines, bills, reads = [], [], [], []
    start = date(2026, 10, 31)
    for i in range(years * 12):
        d = start - timedelta(days=30 * i)
        label = f"{d.year}-{d.month:02d}"
        bill_id, pay_id = f"B-{i}", f"P-{i}"
        bills.append(Bill(tenant=tenant, account_key=KEY, bill_id=bill_id, period_id=1000 - i, period_label=label,
                          bill_date=d, due_date=d + timedelta(days=18), previous_balance=Decimal("80"),
                          payments=Decimal("-80"), adjustments=Decimal("0"), current_charges=Decimal("81.25"),
                          penalties=Decimal("0"), total_due=Decimal("81.25"), pdf_available=True))
        entries.append(HistoryEntry(tenant=tenant, account_key=KEY, group_id=bill_id, date=d, kind="Billing",
                                    description=f"Utility bill {label}", amount=Decimal("81.25"), bill_id=bill_id))
        entries.append(HistoryEntry(tenant=tenant, account_key=KEY, group_id=pay_id, date=d + timedelta(days=10),
                                    kind="Payment", description="UTILITY PAYMENTS", amount=Decimal("-81.25")))
        for j, service in enumerate(("WATER", "SEWER")):
            lines.append(HistoryLine(tenant=tenant, account_key=KEY, group_id=bill_id, line_id=f"{bill_id}-{j}", date=d,
                                     service=service, description="Automatic Billing", amount=Decimal("40"),
                                     usage=Decimal("12"), kind="Billing"))
            reads.append(UsageRead(tenant=tenant, account_key=KEY, service=service, period_id=1000 - i,
                                   period_label=label, read_date=d, previous_read=Decimal(100 * i),
                                   current_read=Decimal(100 * i + 12), usage=Decimal("12")))
    Bill.objects.bulk_create(bills)
    HistoryEntry.objects.bulk_create(entries)
    HistoryLine.objects.bulk_create(lines)
    UsageRead.objects.bulk_create(reads)
    HistorySync.objects.create(tenant=tenant, account_key=KEY, synced_at=timezone.now())
    AccountSnapshot.objects.create(tenant=tenant, account_key=KEY, data={
        "customer_number": "001-0042-000", "first_name": "Rosa", "last_name": "Rivera", "balance_due": "81.25"})


@pytest.fixture
def history_client(riverton, client_for):
    def make(years):
        LinkedAccount.objects.create(tenant=riverton.tenant, user=riverton.resident, account_key=KEY,
                                     customer_number="001-0042-000")
        make_history(riverton.tenant, years)
        return client_for(riverton.resident, riverton.tenant)
    return make


def count_queries(client, url, django_assert_max_num_queries):
    client.get(url)
    with django_assert_max_num_queries(20) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url", [f"/utility/accounts/{KEY}/history/", f"/utility/accounts/{KEY}/history/?page=2",
                                 f"/utility/accounts/{KEY}/graphs/", f"/utility/accounts/{KEY}/history/B-3/"])
def test_query_count_is_the_same_for_one_year_and_twenty_years(url, history_client, django_assert_max_num_queries,
                                                               riverton):
    short = count_queries(history_client(1), url, django_assert_max_num_queries)
    HistoryEntry.objects.all().delete(); HistoryLine.objects.all().delete(); Bill.objects.all().delete()
    UsageRead.objects.all().delete(); HistorySync.objects.all().delete(); AccountSnapshot.objects.all().delete()
    LinkedAccount.objects.all().delete()
    long = count_queries(history_client(20), url, django_assert_max_num_queries)
    assert long == short


def test_twenty_years_are_paged_fifty_rows_at_a_time(history_client):
    client = history_client(20)
    body = client.get(f"/utility/accounts/{KEY}/history/").content.decode()
    assert body.count('class="detail-row"') == 50
    assert "Page 1 of 10" in body
    last = client.get(f"/utility/accounts/{KEY}/history/?page=10").content.decode()
    assert last.count('class="detail-row"') == 480 - 450
    assert client.get(f"/utility/accounts/{KEY}/history/?page=999").status_code == 200  # the last page, not an error


def test_a_new_copy_of_the_history_shows_at_once_though_pages_are_kept(history_client, riverton):
    client = history_client(1)
    url = f"/utility/accounts/{KEY}/history/"
    assert "Utility bill 2026-11" not in client.get(url).content.decode()
    # The next copy from COWS (a period close) brings a new bill and a new sync time.
    HistoryEntry.objects.create(tenant=riverton.tenant, account_key=KEY, group_id="B-new", date=date(2026, 11, 30),
                                kind="Billing", description="Utility bill 2026-11", amount=Decimal("90.10"))
    assert "Utility bill 2026-11" not in client.get(url).content.decode()  # the kept page until the copy says so
    HistorySync.objects.filter(account_key=KEY).update(synced_at=timezone.now() + timedelta(seconds=1))
    body = client.get(url).content.decode()
    assert "Utility bill 2026-11" in body and "$90.10" in body


def test_a_page_past_the_end_or_not_a_number_is_answered_like_the_paginator(history_client):
    client = history_client(20)

    def table(query: str) -> str:
        body = client.get(f"/utility/accounts/{KEY}/history/{query}").content.decode()
        return body.split('id="history-table"', 1)[1].split("</nav>", 1)[0]

    last, first = table("?page=10"), table("")
    assert "Page 10 of 10" in last and "Page 1 of 10" in first
    for made_up in (11, 500, 99999):
        assert table(f"?page={made_up}") == last
    assert table("?page=abc") == first
