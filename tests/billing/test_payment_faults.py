"""Payments under faults: COWS stopping mid-run, a worker killed mid-post, lost answers.

Real processes throughout: the Caselle simulator, with an office of this file's own (generated
afresh for each test, so every receipt in it is one of ours), and real Celery workers on the
test database where a worker matters. Each test ends in the same reconciliation of the sandbox
provider's charges against the office's receipts: one receipt per charged item, none missing,
none twice, none the portal does not know.
"""

from __future__ import annotations

import html
import os
import signal
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.core import mail
from django.utils import timezone

from billing.payments import checkout, posting
from billing.payments.checkout import ItemSpec, MethodSpec
from billing.payments.models import Payment, PaymentItem
from billing.payments.providers.sandbox import SandboxProvider
from billing.payments.tasks import post_waiting_payments
from cows_bridge import client as cows_client
from customers.linking import link_account
from portal.celery import app as celery_app
from sandboxpay.models import SandboxCharge, SandboxDeposit
from tests.conftest import wait_for

from .payhelpers import BANK_OK, DECLINED, bank_token, card_token, reference_of, start_utility_payment

OFFICE = "payfaults"
NO_FUNDS_BANK = "000111111116"


# --- fixtures and helpers -------------------------------------------------------------------------

@pytest.fixture
def office(own_office, riverton):
    """Riverton posts to an office of its own, generated afresh, so its receipt list is this test's alone."""
    return own_office(riverton, OFFICE, customers=40, seed=11)


def purge_broker() -> None:
    """Drop queued tasks: earlier runs' leftovers, or (where a test says so) a broker that lost its queue."""
    celery_app.control.purge()


def link_accounts(sim, city, count: int):
    """Link `count` ordinary accounts of the office (samples first, then landlords' tenants) to the resident."""
    numbers = [s["customer_number"] for s in sim.samples(OFFICE)]
    for landlord in sim.get("/landlords", office=OFFICE).json()["landlords"]:
        numbers += landlord["customer_numbers"]
    summaries = []
    for number in dict.fromkeys(numbers):
        summary = cows_client.get_account(city.tenant, number)
        if not summary.active or summary.direct_pay or any(summary.udf.values()):
            continue
        link_account(tenant=city.tenant, user=city.resident, customer_number=number, last_name=summary.last_name)
        summaries.append(summary)
        if len(summaries) == count:
            return summaries
    pytest.fail(f"the office has fewer than {count} ordinary accounts")


def make_tokens(client) -> dict[str, str]:
    """Tokens from the sandbox's own endpoint, as the page's script gets them (reused like wallet methods)."""
    return {"card": card_token(client), "declined": card_token(client, DECLINED),
            "ach": bank_token(client, BANK_OK), "ach_no_funds": bank_token(client, NO_FUNDS_BANK)}


def misc_item(n: int) -> ItemSpec:
    return ItemSpec(kind=PaymentItem.Kind.MISC, amount=Decimal("25.00") + n, category="PR",
                    category_name="Parks & Recreation", distribution="PAVILION", distribution_name="Pavilion rental",
                    payor=f"Picnic Group {n}", comment="Saturday")


def pay(city, *, items: list[ItemSpec], token: str, guest_email: str = "") -> Payment:
    """Checkout and Pay, as the views do: the saved Payment first, then one charge with its key."""
    payment = checkout.start_checkout(tenant=city.tenant, items=items, method=MethodSpec(token=token),
                                      user=None if guest_email else city.resident, payer_email=guest_email)
    return checkout.confirm_payment(payment=payment)


def make_payments(city, summaries, tokens, count: int, before_each=None) -> list[Payment]:
    """Utility payments spread over the accounts, misc payments as guests, some carts of both, some declines."""
    payments = []
    for n in range(count):
        if before_each:
            before_each(n)
        utility = ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=Decimal("10.00") + n % 40 + Decimal("0.37"),
                           account_key=summaries[n % len(summaries)].key,
                           customer_number=summaries[n % len(summaries)].customer_number,
                           summary=summaries[n % len(summaries)])
        token = tokens["card"]
        if n % 4 == 1:
            token = tokens["ach"]
        if n % 17 == 16:
            token = tokens["declined"]
        if n % 23 == 22:
            token = tokens["ach_no_funds"]
        if n % 10 == 9:
            payments.append(pay(city, items=[utility, misc_item(n)], token=token))
        elif n % 5 == 3:
            payments.append(pay(city, items=[misc_item(n)], token=token, guest_email=f"guest{n}@example.org"))
        else:
            payments.append(pay(city, items=[utility], token=token))
    return payments


def reconcile(sim, tenant) -> int:
    """The provider's charges against the office's receipts; returns how many receipts there are."""
    charges = {c.idempotency_key: c for c in SandboxCharge.objects.filter(tenant_slug=tenant.slug)}
    payments = list(tenant.payments.prefetch_related("items"))
    assert len(charges) == len(payments)  # every payment charged once: never twice, none left uncharged
    expected: dict[str, PaymentItem] = {}
    for payment in payments:
        charge = charges[payment.idempotency_key]
        assert payment.provider_payment_id == charge.charge_id
        items = list(payment.items.all())
        if charge.status == "succeeded":
            assert payment.state == Payment.State.POSTED, payment
            assert payment.total == charge.amount
            for item in items:
                assert item.post_state == PaymentItem.PostState.POSTED and item.confirmation_number, item.reference
                expected[item.reference] = item
        else:
            assert payment.state == Payment.State.FAILED
            assert {i.post_state for i in items} == {PaymentItem.PostState.VOID}

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {sim.office_key(OFFICE)}"
    base = sim.office_url(OFFICE)
    days = set()
    for reference, item in expected.items():
        response = session.get(f"{base}/receipts/{reference}", timeout=10)
        assert response.status_code == 200, reference
        receipt = response.json()
        assert receipt["confirmation_number"] == item.confirmation_number
        assert Decimal(receipt["amount"]) == item.amount and receipt["kind"] == item.kind
        days.add(receipt["posted_at"][:10])  # the office's own date, the list's key
    listed = []
    for day in days:
        listed += [r["reference"] for r in session.get(f"{base}/receipts", params={"date": day}, timeout=10)
                   .json()["receipts"]]
    assert [ref for ref, n in Counter(listed).items() if n > 1] == []  # none twice
    assert sorted(set(listed) - set(expected)) == []  # none the portal does not know
    assert sorted(set(expected) - set(listed)) == []  # none missing

    # The day's deposit holds exactly the succeeded charges, each once.
    succeeded = [c for c in charges.values() if c.status == "succeeded"]
    deposits = SandboxDeposit.objects.filter(tenant_slug=tenant.slug)
    assert sum(d.count for d in deposits) == len(succeeded)
    assert sum((d.total for d in deposits), Decimal("0")) == sum((c.amount for c in succeeded), Decimal("0"))
    return len(expected)


def items_of(tenant):
    return PaymentItem.objects.filter(tenant=tenant)


# --- COWS stops in the middle of a run of payments ------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_cows_stopping_during_200_payments_loses_no_receipt_and_posts_none_twice(office, riverton, celery_workers,
                                                                                  anon_client):
    summaries = link_accounts(office, riverton, 3)
    tokens = make_tokens(anon_client(riverton.tenant))
    purge_broker()
    worker = celery_workers()
    tenant = riverton.tenant
    live = items_of(tenant).filter(post_state__in=[PaymentItem.PostState.WAITING, PaymentItem.PostState.POSTED])

    outage_began = []

    def outage(n: int) -> None:
        if n == 60:
            outage_began.append(timezone.now())
            office.stop()
        elif n == 130:
            # Back once the worker has caught up and tried (and failed) every payment made in the outage.
            wait_for(lambda: not live.filter(attempts=0).exists() and not live.filter(claimed_until__isnull=False)
                     .exists(), timeout=60, what="the worker to try every payment made while COWS was down")
            office.start()

    payments = make_payments(riverton, summaries, tokens, 200, before_each=outage)
    charged = [p for p in payments if p.state == Payment.State.CHARGED]
    assert len(charged) == 200 - sum(1 for p in payments if p.state == Payment.State.FAILED) > 170

    # The worker has tried every charged item once; those it tried while COWS was down wait with their error.
    wait_for(lambda: not live.filter(attempts=0).exists() and not live.filter(claimed_until__isnull=False).exists(),
             timeout=60, what="the worker to try every item")
    waiting = list(live.filter(post_state=PaymentItem.PostState.WAITING))
    assert len(waiting) >= 60  # at least every item paid while COWS was down
    for item in waiting:
        assert "COWS could not be reached" in item.last_error and item.attempts == 1
        assert item.next_attempt_at >= outage_began[0] + posting.backoff(1)  # backing off
        assert item.payment.state == Payment.State.CHARGED

    # The back-off runs out (30 s here); beat's task, run by the worker, posts every waiting item.
    live.filter(post_state=PaymentItem.PostState.WAITING).update(next_attempt_at=timezone.now())
    assert post_waiting_payments.delay().get(timeout=60) == {"posted": len(waiting)}

    receipts = reconcile(office, tenant)
    assert receipts == sum(len(p.items.all()) for p in charged)
    assert worker.poll() is None


# --- a worker killed in the middle of a batch --------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_one_receipt_and_a_new_worker_finishes(office, riverton, celery_workers,
                                                                               anon_client):
    tenant = riverton.tenant
    summaries = link_accounts(office, riverton, 2)
    tokens = make_tokens(anon_client(tenant))
    payments = make_payments(riverton, summaries, tokens, 12)
    # The posting tasks are lost (a broker restart): the waiting rows are all beat needs.
    purge_broker()
    live = items_of(tenant).filter(post_state__in=[PaymentItem.PostState.WAITING, PaymentItem.PostState.POSTED])
    assert live.count() > 10 and not live.filter(post_state=PaymentItem.PostState.POSTED).exists()

    office.set_fault(operation="post_receipt", mode="slow", delay=1.0, office=OFFICE)
    first = celery_workers()
    post_waiting_payments.delay()  # beat's round: a batch of every due item, one post a second
    wait_for(lambda: live.filter(post_state=PaymentItem.PostState.POSTED).count() >= 2, timeout=30,
             what="two receipts posted")
    wait_for(lambda: live.filter(post_state=PaymentItem.PostState.WAITING, claimed_until__isnull=False).exists(),
             timeout=10, what="the next item claimed")
    in_flight = live.get(post_state=PaymentItem.PostState.WAITING, claimed_until__isnull=False)
    time.sleep(0.3)  # its request is at COWS, held by the slow fault
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    office.clear_faults()

    # COWS finishes the request it was given: the receipt is committed, its answer goes nowhere.
    wait_for(lambda: office.get(f"/receipts/{in_flight.reference}", office=OFFICE).status_code == 200, timeout=5,
             what="COWS to commit the in-flight receipt")
    at_cows = office.get(f"/receipts/{in_flight.reference}", office=OFFICE).json()
    in_flight.refresh_from_db()
    assert in_flight.post_state == PaymentItem.PostState.WAITING and in_flight.confirmation_number == ""
    # The dead worker's claim holds: nobody else posts the item meanwhile.
    assert posting.post_item(item_id=in_flight.id, force=True) == "skipped"
    # CLAIM_FOR (90 s) later the claim has run out.
    PaymentItem.objects.filter(pk=in_flight.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))

    remaining = live.filter(post_state=PaymentItem.PostState.WAITING).count()
    celery_workers()
    assert post_waiting_payments.delay().get(timeout=60) == {"posted": remaining}
    in_flight.refresh_from_db()
    assert in_flight.confirmation_number == at_cows["confirmation_number"]
    receipts = reconcile(office, tenant)
    assert receipts == sum(p.items.count() for p in payments if p.state != Payment.State.FAILED)


# --- answers lost between the portal and COWS ------------------------------------------------------

@pytest.fixture
def sample(office) -> str:
    """An ordinary account of the office."""
    return office.samples(OFFICE)[0]["customer_number"]


def charged_payment(city, client, number: str, amount: str = "64.10") -> Payment:
    summary = cows_client.get_account(city.tenant, number)
    item = ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=Decimal(amount), account_key=summary.key,
                    customer_number=summary.customer_number, summary=summary)
    payment = pay(city, items=[item], token=card_token(client))
    assert payment.state == Payment.State.CHARGED
    return payment


def test_a_receipt_committed_whose_answer_was_dropped_is_posted_once_with_its_confirmation(
        office, riverton, sample, anon_client):
    payment = charged_payment(riverton, anon_client(riverton.tenant), sample)
    item = payment.items.get()
    office.set_fault(operation="post_receipt", mode="drop_after_commit", times=1, office=OFFICE)

    assert posting.post_payment_items(payment_id=payment.id) == ["posted"]
    item.refresh_from_db()
    receipt = office.get(f"/receipts/{item.reference}", office=OFFICE).json()
    assert item.post_state == PaymentItem.PostState.POSTED and item.attempts == 1
    assert item.confirmation_number == receipt["confirmation_number"]
    assert posting.post_due_items(force=True) == {}
    assert reconcile(office, riverton.tenant) == 1


def test_a_dropped_answer_whose_look_up_also_failed_waits_then_gets_the_same_receipt(
        office, riverton, sample, anon_client):
    payment = charged_payment(riverton, anon_client(riverton.tenant), sample)
    item = payment.items.get()
    office.set_fault(operation="post_receipt", mode="drop_after_commit", times=1, office=OFFICE)
    office.set_fault(operation="get_receipt", mode="error", times=2, office=OFFICE)  # the look-up and its retry

    assert posting.post_payment_items(payment_id=payment.id) == ["waiting"]
    item.refresh_from_db()
    committed = office.get(f"/receipts/{item.reference}", office=OFFICE).json()
    assert item.post_state == PaymentItem.PostState.WAITING and item.confirmation_number == ""
    assert "could not be reached" in item.last_error

    assert posting.post_due_items(force=True) == {"posted": 1}  # Retry Now: COWS answers with the first receipt
    item.refresh_from_db()
    assert item.confirmation_number == committed["confirmation_number"] and item.attempts == 2
    assert reconcile(office, riverton.tenant) == 1


def test_a_post_cows_finishes_after_the_portal_gave_up_is_not_posted_twice(office, riverton, sample, anon_client,
                                                                            settings):
    payment = charged_payment(riverton, anon_client(riverton.tenant), sample)
    item = payment.items.get()
    settings.COWS_READ_TIMEOUT = 0.4
    office.set_fault(operation="post_receipt", mode="hang", delay=1.0, times=1, office=OFFICE)

    assert posting.post_payment_items(payment_id=payment.id) == ["waiting"]  # timed out; the look-up found nothing
    item.refresh_from_db()
    assert "did not answer in time" in item.last_error
    wait_for(lambda: office.get(f"/receipts/{item.reference}", office=OFFICE).status_code == 200, timeout=5,
             what="COWS to finish the held post")

    assert posting.post_due_items(force=True) == {"posted": 1}
    assert reconcile(office, riverton.tenant) == 1


# --- a charge whose answer was lost ----------------------------------------------------------------

def test_a_charge_left_processing_is_asked_again_with_its_key_and_never_charged_twice(
        office, riverton, sample, anon_client):
    client = anon_client(riverton.tenant)
    summary = cows_client.get_account(riverton.tenant, sample)
    item = ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=Decimal("33.00"), account_key=summary.key,
                    customer_number=summary.customer_number, summary=summary)
    lost = checkout.start_checkout(tenant=riverton.tenant, items=[item], method=MethodSpec(token=card_token(client)),
                                   user=riverton.resident)
    never_sent = checkout.start_checkout(tenant=riverton.tenant, items=[item],
                                         method=MethodSpec(token=bank_token(client)), user=riverton.resident)
    # The portal claimed both; the processor charged the first, but its answer never came back,
    # and the second call never left the portal.
    Payment.objects.filter(pk__in=[lost.pk, never_sent.pk]).update(state=Payment.State.PROCESSING)
    first = SandboxProvider(riverton.tenant).charge(amount=lost.total, token=lost.method_token, customer_token="", customer_present=True,
                                                    idempotency_key=lost.idempotency_key, description="",
                                                    metadata={})

    # Pressing Pay again charges nothing: the payment is no longer "created".
    assert checkout.confirm_payment(payment=lost).state == Payment.State.PROCESSING
    assert checkout.recover_processing() == 0  # a charge may still be answering: two minutes' grace
    assert checkout.recover_processing(older_than=timedelta(0)) == 2
    assert checkout.recover_processing(older_than=timedelta(0)) == 0

    lost.refresh_from_db()
    assert lost.state == Payment.State.CHARGED and lost.provider_payment_id == first.provider_payment_id
    assert SandboxCharge.objects.filter(idempotency_key=lost.idempotency_key).count() == 1
    never_sent.refresh_from_db()
    assert never_sent.state == Payment.State.CHARGED
    assert SandboxCharge.objects.filter(idempotency_key=never_sent.idempotency_key).count() == 1
    deposit = SandboxDeposit.objects.get(tenant_slug=riverton.tenant.slug)
    assert deposit.count == 2 and deposit.total == lost.total + never_sent.total
    assert [e.to_state for e in lost.events.order_by("at", "id")][-1] == Payment.State.CHARGED

    assert posting.post_due_items(force=True) == {"posted": 2}
    assert reconcile(office, riverton.tenant) == 2


# --- what the customer sees while COWS is down -----------------------------------------------------

def test_a_payment_made_while_cows_is_down_is_received_and_its_posting_waits(
        office, riverton, client_for, monkeypatch, django_capture_on_commit_callbacks):
    [summary] = link_accounts(office, riverton, 1)
    client = client_for(riverton.resident, riverton.tenant)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # the posting task runs here, at once
    office.stop()

    response = start_utility_payment(client, summary.key, "42.00", card_token(client))
    assert response.status_code == 302  # the pay page works from the account's snapshot
    reference = reference_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/pay/{reference}/confirm/").status_code == 302

    payment = Payment.objects.get(reference=reference)
    assert payment.state == Payment.State.CHARGED
    item = payment.items.get()
    assert item.post_state == PaymentItem.PostState.WAITING and item.attempts == 1
    assert item.last_error.startswith("COWS could not be reached")
    wait = (item.next_attempt_at - timezone.now()).total_seconds()
    assert 20 < wait <= posting.BACKOFF[0]
    page = html.unescape(client.get(f"/pay/{reference}/").content.decode())
    assert "Thank you! Your payment was received." in page
    assert "Received, posting to the city's records pending" in page and "Confirmation CR-" not in page
    [receipt_email] = [m for m in mail.outbox if m.to == [riverton.resident.email]]
    assert "being posted to the city's records" in receipt_email.body

    office.start()
    assert posting.post_due_items(tenant=riverton.tenant) == {}  # not due yet: beat waits out the back-off
    assert posting.post_due_items(tenant=riverton.tenant, force=True) == {"posted": 1}  # Retry Now
    item.refresh_from_db()
    page = html.unescape(client.get(f"/pay/{reference}/").content.decode())
    assert f"Confirmation {item.confirmation_number}" in page
    assert "posting to the city's records pending" not in page
    assert reconcile(office, riverton.tenant) == 1

