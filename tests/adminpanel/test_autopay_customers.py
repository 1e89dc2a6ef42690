"""Customer AutoPay: every account on AutoPay now, and Unenroll on the customer's behalf (with a confirmation)."""

import html

import pytest

from autopay.models import Enrollment, ScheduledPayment

from ..conftest import link_sample
from .audit_helpers import audit_rows
from .autopay_helpers import enroll, saved_method

CUSTOMERS = "/office/autopay/customers/"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def two(own_office, riverton, larry):
    """After the close: Rosa pays by card 3 days before, up to $150; Larry by bank account 5 days before."""
    sim = own_office(riverton, "ap-customers", customers=40, seed=61)
    sim.close_period("ap-customers")
    rosa = enroll(riverton, link_sample(sim, riverton, 0), saved_method(riverton, riverton.resident), days=3,
                  maximum="150.00")
    larrys = enroll(riverton, link_sample(sim, riverton, 1, user=larry), saved_method(riverton, larry, bank=True),
                    user=larry, days=5)
    return rosa, larrys


def test_it_lists_every_account_on_autopay_with_its_details(riverton, two, client_for):
    rosa, larrys = two
    body = text(client_for(riverton.clerk, riverton.tenant).get(CUSTOMERS))
    assert "2 accounts on AutoPay" in body
    table = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {r.split("</tr>")[0] for r in table.split("<tr>")[1:]}
    rosas = next(r for r in rows if rosa.enrollment.customer_number in r)
    larrys_row = next(r for r in rows if larrys.enrollment.customer_number in r)
    date = rosa.enrollment.enrolled_at.astimezone(riverton.tenant.zone).strftime("%b %-d, %Y")
    for expected in ("rosa@example.org", '"Payment type">Card</td>', '"Last 4">4242</td>',
                     f'"Enrollment date">{date}</td>', '"Days prior">3</td>', '"Maximum">$150.00</td>'):
        assert expected in rosas, expected
    for expected in ("larry@landlords.example", '"Payment type">Bank account</td>', '"Last 4">6789</td>',
                     '"Days prior">5</td>', '"Maximum">None</td>'):
        assert expected in larrys_row, expected


def test_it_filters_by_customer_and_payment_type(riverton, two, client_for):
    rosa, larrys = two
    clerk = client_for(riverton.clerk, riverton.tenant)
    for filters, shown, hidden in [({"q": "larry"}, larrys, rosa), ({"kind": "card"}, rosa, larrys),
                                   ({"q": rosa.enrollment.account_key}, rosa, larrys)]:
        body = text(clerk.get(CUSTOMERS, filters))
        assert shown.enrollment.customer_number in body and hidden.enrollment.customer_number not in body, filters


def test_unenroll_asks_first_then_ends_autopay_recording_the_clerk(riverton, two, client_for):
    rosa, _larrys = two
    url = f"/office/autopay/customers/{rosa.enrollment.pk}/unenroll/"
    clerk = client_for(riverton.clerk, riverton.tenant)
    asked = text(clerk.get(url))
    assert f"Turn AutoPay off for account {rosa.enrollment.customer_number}, run by rosa@example.org" in asked
    assert Enrollment.objects.get(pk=rosa.enrollment.pk).ended_at is None  # asking changes nothing
    body = text(clerk.post(url, follow=True))
    assert f"AutoPay is off for account {rosa.enrollment.customer_number}; 1 pending payment was cancelled." in body
    ended = Enrollment.objects.get(pk=rosa.enrollment.pk)
    assert (ended.ended_by, ended.end_reason) == (riverton.clerk, "unenrolled by the office")
    assert ScheduledPayment.objects.get(pk=rosa.scheduled.pk).state == ScheduledPayment.State.CANCELLED
    assert "1 account on AutoPay" in body and f'"Account">{rosa.enrollment.customer_number}</td>' not in body
    assert clerk.post(url).status_code == 404  # already ended: nothing left to end
    assert audit_rows(riverton, "autopay.unenroll") == [
        (riverton.clerk, f"account {rosa.enrollment.customer_number}", {})]


def test_another_citys_clerk_cannot_unenroll(riverton, lakeside, two, client_for):
    rosa, _larrys = two
    url = f"/office/autopay/customers/{rosa.enrollment.pk}/unenroll/"
    assert client_for(lakeside.clerk, lakeside.tenant).post(url).status_code == 404
    assert client_for(riverton.resident, riverton.tenant).post(url).status_code == 404
    assert Enrollment.objects.get(pk=rosa.enrollment.pk).ended_at is None
