"""The janitor for lost answers: never a second charge, oldest first, one bad payment or city stops nothing,
never two sweeps at once, asked again after 5 minutes, 1 hour and 1 day, then "needs attention"."""

import logging
from datetime import timedelta

from cryptography.fernet import Fernet
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from billing.payments import checkout, recovery
from billing.payments.models import Payment
from billing.payments.providers import current_account
from sandboxpay.models import SandboxCharge
from tests.stripe_fixtures import configure_stripe

from .payhelpers import reference_of, start_utility_payment
from .test_provider_accounts import processing_on_sandbox
from .test_stripe_lost_answers import lossy  # noqa: F401  (the fixture)

DEAD = "http://127.0.0.1:9"  # nothing listens: Stripe "does not answer"


def test_a_lost_answer_to_the_confirm_is_resolved_from_the_saved_intent_and_charges_once(
        cows, riverton, stripe_riverton, localstripe, lossy, account, client_for):  # noqa: F811
    client = client_for(riverton.resident, riverton.tenant)
    reference = reference_of(start_utility_payment(client, account, "25.00", localstripe.card()))
    lossy.losing_confirm = True
    client.post(f"/pay/{reference}/confirm/")
    payment = Payment.objects.get(reference=reference)
    [intent] = localstripe.payment_intents()
    # The intent was saved before it was confirmed; the confirm went through, its answer did not.
    assert payment.state == "processing" and payment.provider_payment_id == intent["id"]
    assert intent["status"] == "succeeded"

    lossy.losing_confirm = False
    assert checkout.recover_processing(older_than=timedelta(0)) == 1
    payment.refresh_from_db()
    assert payment.state == "charged"
    assert len(localstripe.payment_intents()) == 1 and len(localstripe.charges()) == 1
    assert lossy.forwarded == 1  # one PaymentIntent was ever created


def test_the_sweep_asks_after_5_minutes_1_hour_and_1_day_then_needs_attention(riverton, anon_client, settings,
                                                                               client_for):
    payment = processing_on_sandbox(riverton, anon_client)
    configure_stripe(riverton.tenant)
    settings.STRIPE_API_BASE = DEAD
    stripe_account = current_account(riverton.tenant)
    # A Stripe payment of that city, sent once, whose answer never came (Stripe unreachable since).
    Payment.objects.filter(pk=payment.pk).update(provider_account=stripe_account, provider="stripe",
                                                 method_token="pm_card_visa")
    payment.refresh_from_db()
    checkout._charge(payment)
    payment.refresh_from_db()
    start = payment.created_at
    assert payment.state == "processing" and payment.next_check_at is not None

    def sweep_at(delay):
        return recovery.sweep(now=start + delay)

    assert sweep_at(timedelta(minutes=1)) == 0
    assert sweep_at(timedelta(minutes=6)) == 1
    assert sweep_at(timedelta(minutes=30)) == 0
    assert sweep_at(timedelta(minutes=61)) == 1
    assert sweep_at(timedelta(hours=12)) == 0
    assert sweep_at(timedelta(days=1, minutes=1)) == 1
    payment.refresh_from_db()
    assert payment.checks == 3 and payment.needs_attention_at is not None
    assert "Stripe did not answer" in payment.last_check_error
    assert sweep_at(timedelta(days=3)) == 0  # no longer asked
    assert payment.events.filter(reason__startswith="needs attention").count() == 1

    page = client_for(riverton.clerk, riverton.tenant).get("/office/payments/pending/").content.decode()
    attention = page.split('id="attention-heading"')[1].split("</section>")[0]
    assert payment.reference in attention and "Stripe did not answer" in attention
    assert "Charges with no answer yet" not in page  # it is no longer among those still being asked


def undecryptable(account) -> None:
    """The account's secret was encrypted with a key since dropped from FIELD_ENCRYPTION_KEY."""
    token = Fernet(Fernet.generate_key()).encrypt(b"sk_test_gone").decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE billing_provideraccount SET secret_key = %s WHERE id = %s", [token, account.pk])


def test_one_payment_that_raises_stops_neither_the_others_nor_the_other_city(riverton, lakeside, anon_client,
                                                                              caplog):
    broken = processing_on_sandbox(riverton, anon_client)
    fine = processing_on_sandbox(riverton, anon_client)
    other_city = processing_on_sandbox(lakeside, anon_client)
    bad_account = riverton.tenant.provider_accounts.create(provider="stripe", fingerprint="broken")
    Payment.objects.filter(pk=broken.pk).update(provider_account=bad_account, provider="stripe")
    undecryptable(bad_account)
    # The broken one is the oldest: it is asked first, and the others are still asked after it.
    Payment.objects.filter(pk=broken.pk).update(created_at=timezone.now() - timedelta(hours=2))

    with caplog.at_level(logging.ERROR, logger="billing.payments.recovery"):
        assert recovery.sweep(older_than=timedelta(0)) == 3

    assert Payment.objects.get(pk=fine.pk).state == "charged"
    assert Payment.objects.get(pk=other_city.pk).state == "charged"
    broken.refresh_from_db()
    assert broken.state == "processing" and "FIELD_ENCRYPTION_KEY" in broken.last_check_error
    assert [r.reference for r in caplog.records if getattr(r, "reference", "")] == [broken.reference]


def test_the_oldest_payment_is_asked_first(riverton, anon_client, monkeypatch):
    newer = processing_on_sandbox(riverton, anon_client)
    older = processing_on_sandbox(riverton, anon_client)
    Payment.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=3))
    monkeypatch.setattr(recovery, "PER_CITY", 1)
    assert recovery.sweep(older_than=timedelta(0)) == 1
    assert Payment.objects.get(pk=older.pk).state == "charged"
    assert Payment.objects.get(pk=newer.pk).state == "processing"


def test_a_sweep_does_not_start_while_another_is_running(riverton, anon_client):
    payment = processing_on_sandbox(riverton, anon_client)
    assert cache.add(recovery.LOCK_KEY, "another sweep", timeout=60)  # as the running sweep holds it
    assert recovery.sweep(older_than=timedelta(0)) == 0
    assert Payment.objects.get(pk=payment.pk).state == "processing"
    cache.delete(recovery.LOCK_KEY)  # that sweep finished
    assert recovery.sweep(older_than=timedelta(0)) == 1
    assert Payment.objects.get(pk=payment.pk).state == "charged"
    assert SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).count() == 1
    assert cache.get(recovery.LOCK_KEY) is None  # and the lock is let go after


def test_a_payment_claimed_by_another_sweep_is_not_asked_twice(riverton, anon_client):
    payment = processing_on_sandbox(riverton, anon_client)
    now = timezone.now()
    assert recovery._claim(payment, now=now)
    stale = Payment.objects.get(pk=payment.pk)
    stale.next_check_at = None  # what a second sweep read before the first one claimed it
    assert not recovery._claim(stale, now=now)
