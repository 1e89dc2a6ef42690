"""Pending Payments: charged but not yet in Cash Receipting, and Retry Now."""

import html
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone

from billing.payments import posting
from billing.payments.models import Payment, PaymentItem
from portal.middleware import SESSION_TENANT_KEY

from ..billing.payhelpers import pay
from ..conftest import CityClient, link_sample
from ..factories import PaymentFactory
from .audit_helpers import audit_rows

PENDING = "/office/payments/pending/"
RETRY = "/office/payments/pending/retry/"


def city_time(city, moment) -> str:
    return dateformat.format(timezone.localtime(moment, ZoneInfo(city.tenant.time_zone)), "M j, Y g:i A")


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_it_says_nothing_is_waiting_when_every_payment_posted(riverton, client_for):
    PaymentFactory(city=riverton)  # posted
    body = text(client_for(riverton.clerk, riverton.tenant).get(PENDING))
    assert "Nothing is waiting: every payment reached Cash Receipting." in body
    assert "Charges with no answer yet" not in body


def test_a_payment_caselle_could_not_take_waits_there_with_its_error(cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "23.45")
    cows.set_fault(operation="post_receipt", mode="error", status=503, office="riverton")
    assert posting.post_payment_items(payment_id=payment.id) == ["waiting"]
    item = payment.items.get()
    item.refresh_from_db()
    assert item.post_state == "waiting" and item.last_error

    body = text(client_for(riverton.clerk, riverton.tenant).get(PENDING))
    assert "Nothing is waiting" not in body
    assert item.reference in body and item.last_error in body
    assert f"Utility account {item.customer_number}" in body and "$23.45" in body
    assert "rosa@example.org" in body
    assert city_time(riverton, item.next_attempt_at) in body  # the next retry, in the city's time
    assert city_time(riverton, payment.charged_at) in body
    assert "Retry Now" in body


def test_retry_now_after_caselle_is_back_posts_the_payment_once(cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account, "31.00")
    cows.stop()
    assert posting.post_due_items(tenant=riverton.tenant) == {"waiting": 1}
    item = payment.items.get()
    clerk = client_for(riverton.clerk, riverton.tenant)
    item.refresh_from_db()
    assert item.last_error and item.last_error in text(clerk.get(PENDING))

    # Still down: Retry Now says so, and the payment keeps waiting.
    response = clerk.post(RETRY, follow=True)
    assert "0 payments were posted to Cash Receipting. 1 is still waiting" in text(response)

    cows.start()
    response = clerk.post(RETRY, follow=True)
    body = text(response)
    assert "1 payment was posted to Cash Receipting. Nothing is waiting." in body
    assert "Nothing is waiting: every payment reached Cash Receipting." in body
    item.refresh_from_db()
    payment.refresh_from_db()
    assert item.post_state == "posted" and payment.state == "posted"
    receipt = cows.get(f"/receipts/{item.reference}", office="riverton").json()
    assert receipt["confirmation_number"] == item.confirmation_number

    # Clicking again posts nothing more.
    assert "Nothing was waiting to be posted." in text(clerk.post(RETRY, follow=True))
    same_day = cows.get("/receipts", office="riverton", params={"date": receipt["posted_at"][:10]}).json()
    assert [r["reference"] for r in same_day["receipts"]].count(item.reference) == 1
    assert payment.events.filter(to_state="posted").count() == 1
    assert [who for who, _target, _changes in audit_rows(riverton, "payment.retry")] == [riverton.clerk] * 3


def test_retry_now_ignores_the_back_off_time(cows, riverton, account, client_for):
    payment = pay(client_for(riverton.resident, riverton.tenant), account)
    PaymentItem.objects.filter(payment=payment).update(next_attempt_at=timezone.now() + timedelta(hours=1),
                                                       attempts=4, last_error="COWS timed out")
    assert posting.post_due_items(tenant=riverton.tenant) == {}  # not due yet for the worker
    client_for(riverton.clerk, riverton.tenant).post(RETRY)
    assert payment.items.get().post_state == "posted"


def test_retry_now_only_posts_this_citys_payments(cows, riverton, lakeside, client_for):
    theirs = PaymentFactory(city=lakeside, state=Payment.State.CHARGED, items=1)
    response = client_for(riverton.clerk, riverton.tenant).post(RETRY, follow=True)
    assert "Nothing was waiting to be posted." in text(response)
    assert theirs.items.get().post_state == "waiting" and theirs.items.get().attempts == 0


def test_it_lists_the_oldest_first_with_attempts_and_next_retry(riverton, client_for):
    now = timezone.now()
    newer = PaymentFactory(city=riverton, when=now - timedelta(hours=1), state=Payment.State.CHARGED, items=1)
    older = PaymentFactory(city=riverton, when=now - timedelta(days=2), state=Payment.State.CHARGED, items=1)
    older.items.update(attempts=7, last_error="Caselle refused the receipt: no customer number",
                       next_attempt_at=now + timedelta(minutes=15))
    body = text(client_for(riverton.clerk, riverton.tenant).get(PENDING))
    assert body.index(older.reference) < body.index(newer.reference)
    assert "Caselle refused the receipt: no customer number" in body
    assert city_time(riverton, now + timedelta(minutes=15)) in body
    assert ">7<" in body
    assert "2 payments are waiting, oldest first." in body


def test_it_shows_charges_with_no_answer_and_their_age(riverton, client_for):
    stuck = PaymentFactory(city=riverton, when=timezone.now() - timedelta(minutes=12), state=Payment.State.PROCESSING, items=1)
    body = text(client_for(riverton.clerk, riverton.tenant).get(PENDING))
    assert "Charges with no answer yet" in body
    assert stuck.reference in body and "12\xa0minutes" in body


def test_retry_now_rejects_get(riverton, client_for):
    assert client_for(riverton.clerk, riverton.tenant).get(RETRY).status_code == 405


def test_retry_now_needs_the_csrf_token(riverton, client_for):
    client = CityClient(riverton.host, enforce_csrf_checks=True)
    client.force_login(riverton.clerk)
    session = client.session
    session[SESSION_TENANT_KEY] = riverton.tenant.id
    session.save()
    assert client.post(RETRY).status_code == 403
