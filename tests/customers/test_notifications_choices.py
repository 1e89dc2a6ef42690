"""Who said no to what: opted_out() for the outbox and text_recipients() for texts."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import NotificationChoice, TextConsent
from customers.notifications import Category, carry_choices, opted_out, text_recipients, unsubscribe

from ..factories import UserFactory


def test_twenty_thousand_addresses_are_checked_in_one_query(riverton, lakeside):
    addresses = [f"Person{i}@Example.org" for i in range(20_000)]
    refusing = {f"person{i}@example.org" for i in range(0, 20_000, 997)}
    NotificationChoice.objects.bulk_create(
        [NotificationChoice(tenant=riverton.tenant, address=a, category="newsletters", allowed=False)
         for a in refusing]
        + [NotificationChoice(tenant=riverton.tenant, address="person1@example.org", category="newsletters",
                              allowed=True),  # said yes again
           NotificationChoice(tenant=riverton.tenant, address="person2@example.org", category="bills", allowed=False),
           NotificationChoice(tenant=lakeside.tenant, address="person3@example.org", category="newsletters",
                              allowed=False),
           NotificationChoice(tenant=riverton.tenant, channel="text", address="person4@example.org",
                              category="newsletters", allowed=False)])
    with CaptureQueriesContext(connection) as queries:
        found = opted_out(tenant=riverton.tenant, addresses=addresses, category=Category.NEWSLETTERS)
    assert len(queries) == 1
    assert found == refusing


def test_a_short_list_is_one_query_too(riverton):
    unsubscribe(tenant=riverton.tenant, address="rosa@example.org", category="reminders")
    with CaptureQueriesContext(connection) as queries:
        found = opted_out(tenant=riverton.tenant, addresses=[" ROSA@example.org ", "x@example.org", ""],
                          category="reminders")
    assert len(queries) == 1 and found == {"rosa@example.org"}


def test_transactional_and_empty_lists_ask_nothing(riverton):
    unsubscribe(tenant=riverton.tenant, address="rosa@example.org", category="reminders")
    with CaptureQueriesContext(connection) as queries:
        assert opted_out(tenant=riverton.tenant, addresses=["rosa@example.org"], category="transactional") == set()
        assert opted_out(tenant=riverton.tenant, addresses=[], category="reminders") == set()
    assert len(queries) == 0


def test_text_recipients_are_those_with_a_phone_a_yes_to_texts_and_the_category_on(riverton, lakeside):
    tenant = riverton.tenant
    ann = UserFactory(email="ann@example.org", phone="+13035550101")  # phone, yes to texts: gets it
    ben = UserFactory(email="ben@example.org", phone="+13035550102")  # phone, never said yes
    cat = UserFactory(email="cat@example.org", phone="")  # said yes once, then removed the phone
    dan = UserFactory(email="dan@example.org", phone="+13035550104")  # yes, but turned newsletters off by text
    eve = UserFactory(email="eve@example.org", phone="+13035550105")  # yes at Lakeside only
    fay = UserFactory(email="fay@example.org", phone="+13035550106")  # newsletters off by EMAIL only: still texted
    for user in (ann, cat, dan, fay):
        TextConsent.objects.create(tenant=tenant, user=user)
    TextConsent.objects.create(tenant=lakeside.tenant, user=eve)
    unsubscribe(tenant=tenant, address=dan.phone, category="newsletters", channel="text")
    unsubscribe(tenant=tenant, address=fay.email, category="newsletters")
    users = [ann, ben, cat, dan, eve, fay]
    with CaptureQueriesContext(connection) as queries:
        found = text_recipients(tenant=tenant, users=users, category=Category.NEWSLETTERS)
    assert found == [(ann, "+13035550101"), (fay, "+13035550106")]
    assert len(queries) == 2
    assert [u for u, _ in text_recipients(tenant=tenant, users=users, category="bills")] == [ann, dan, fay]


def test_choices_are_copied_to_a_new_address_and_the_old_keeps_its_own(riverton, lakeside):
    unsubscribe(tenant=riverton.tenant, address="old@example.org", category="newsletters")
    unsubscribe(tenant=lakeside.tenant, address="old@example.org", category="bills")
    assert carry_choices(channel="email", old="Old@example.org", new="New@Example.org") == 2
    for address in ("old@example.org", "new@example.org"):
        assert opted_out(tenant=riverton.tenant, addresses=[address], category="newsletters") == {address}
        assert opted_out(tenant=lakeside.tenant, addresses=[address], category="bills") == {address}
        assert opted_out(tenant=riverton.tenant, addresses=[address], category="bills") == set()
