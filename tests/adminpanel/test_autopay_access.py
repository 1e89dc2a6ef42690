"""The office's AutoPay screens are for this city's office admins only; actions that change things are POSTs.

Residents, another city's clerk and anonymous visitors are refused by test_payments_access.py, which
walks these PAGES with every other office page."""

import pytest

from autopay.models import AutoPaySettings

# (method, url, what the clerk gets): an empty POST is answered with a message (302) or the form's errors (400).
CLERK = [
    ("get", "/office/autopay/", 200),
    ("post", "/office/autopay/schedule/", 302),
    ("get", "/office/autopay/export.xlsx", 200),
    ("post", "/office/autopay/settings/", 400),
    ("get", "/office/autopay/customers/", 200),
    ("get", "/office/autopay/customers/enroll/", 200),
    ("post", "/office/autopay/customers/enroll/", 400),
]
PAGES = [(method, url) for method, url, _status in CLERK]
POST_ONLY = ["/office/autopay/schedule/", "/office/autopay/settings/"]


def call(client, method, url):
    return getattr(client, method)(url)


@pytest.mark.parametrize("method, url, status", CLERK)
def test_it_works_for_the_clerk(riverton, client_for, method, url, status):
    assert call(client_for(riverton.clerk, riverton.tenant), method, url).status_code == status


@pytest.mark.parametrize("url", POST_ONLY)
def test_actions_reject_get(riverton, client_for, url):
    assert client_for(riverton.clerk, riverton.tenant).get(url).status_code == 405


def test_the_nav_leads_to_both_autopay_screens(riverton, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    assert 'href="/office/autopay/">Scheduled Payments<' in body
    assert 'href="/office/autopay/customers/">Customer AutoPay<' in body


def test_a_resident_changes_no_setting_by_posting(riverton, client_for):
    client_for(riverton.resident, riverton.tenant).post("/office/autopay/settings/", {"charge_hour": "1"})
    assert not AutoPaySettings.objects.filter(tenant=riverton.tenant, charge_hour=1).exists()
