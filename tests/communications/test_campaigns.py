"""Campaigns (mass email): the draft's checks, the audience, chunked queuing from a cursor, never two for anyone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from adminpanel.people_selectors import find_members
from communications import rich_text
from communications.campaigns import compose, queuing, services
from communications.campaigns.audience import campaign_users
from communications.campaigns.models import Campaign
from communications.campaigns.selectors import follow_campaign
from communications.outbox.models import OutboundEmail
from billing.accounts.models import AccountSnapshot
from customers.models import LinkedAccount, User
from customers.notifications import Category
from customers.notifications.writes import unsubscribe

from .campaign_helpers import make_people
from .conftest import PDF

pytestmark = pytest.mark.django_db


def draft(**overrides) -> services.Draft:
    values = {"subject": "Water news for {first_name}", "body": "<p>Hello {first_name},</p><p>News from {city}.</p>",
              "audience": Campaign.Audience.ALL}
    return services.Draft(**{**values, **overrides})


def save(city, **overrides) -> Campaign:
    return services.save_draft(tenant=city.tenant, draft=draft(**overrides), acting_user=city.clerk)


def sent(campaign, city, *, size=queuing.CHUNK) -> Campaign:
    services.send_campaign(campaign=campaign, acting_user=city.clerk)
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain, size=size)
    campaign.refresh_from_db()
    return campaign


def refused(city, **overrides) -> dict:
    with pytest.raises(ValidationError) as caught:
        save(city, **overrides)
    assert not Campaign.objects.exists()
    return {field: " ".join(m for e in errors for m in e.messages) for field, errors in caught.value.error_dict.items()}


def test_an_empty_subject_and_body_are_refused_and_nothing_is_saved(riverton):
    errors = refused(riverton, subject="  ", body="<p> </p>")
    assert errors == {"subject": "Enter a subject.", "body": "Enter the body of the email."}


def test_a_script_in_the_body_is_removed_when_saved(riverton):
    campaign = save(riverton, body='<p onclick="x()">Rates <b>rise</b></p><script>alert(1)</script>'
                                   '<img src=x onerror=alert(2)><a href="javascript:alert(3)">click</a>')
    assert campaign.body == "<p>Rates <strong>rise</strong></p><a rel=\"noopener noreferrer\">click</a>"


def test_an_unknown_variable_is_refused_naming_those_a_campaign_has(riverton):
    errors = refused(riverton, body="<p>Your balance: {amount_due}</p>")
    assert "{amount_due} is not a variable of this email" in errors["body"] and "{first_name}" in errors["body"]


def test_a_30_mb_pdf_is_refused_with_its_size(riverton):
    big = SimpleUploadedFile("rates.pdf", b"%PDF-" + b"0" * (30 * 1024 * 1024 - 5), content_type="application/pdf")
    errors = refused(riverton, attachment=services.UPLOAD, pdf=big)
    assert errors == {"pdf": "The file is 30.0 MB; the limit is 20 MB. Make the PDF smaller and try again."}


def test_a_web_page_named_pdf_is_refused(riverton):
    fake = SimpleUploadedFile("rates.pdf", b"<html><body>rates</body></html>", content_type="application/pdf")
    errors = refused(riverton, attachment=services.UPLOAD, pdf=fake)
    assert errors == {"pdf": "This file is not a PDF. Save or export the document as a PDF and upload that file."}


def test_chosen_people_with_nobody_chosen_and_an_expired_communication_are_refused(riverton, lakeside, post):
    from datetime import date

    old = post(riverton, expires_on=date(2020, 1, 1))
    errors = refused(riverton, audience=Campaign.Audience.CHOSEN, chosen_ids=(lakeside.resident.pk,),
                     attachment=services.COMMUNICATION, communication=old)
    assert errors == {"chosen": "Search for and tick at least one person, or choose another audience.",
                      "communication": "Choose one of the current communications."}


def test_a_text_too_long_for_three_parts_is_refused(riverton):
    errors = refused(riverton, also_by_text=True, text_body="x" * 460)
    assert errors == {"text_body": "Keep the text to 3 parts (about 459 characters); it has 460."}


def test_the_text_parts_count_as_phones_do():
    assert compose.text_parts("x" * 160) == (160, 1)
    assert compose.text_parts("x" * 161) == (161, 2)
    assert compose.text_parts("€" * 80) == (160, 1)  # an extended letter counts twice
    assert compose.text_parts("ł" * 70) == (70, 1) and compose.text_parts("ł" * 71) == (71, 2)


def test_the_audiences(riverton, lakeside):
    people = make_people(riverton.tenant, 6, linked_every=2)
    make_people(lakeside.tenant, 3, prefix="other")
    everyone = set(campaign_users(campaign=save(riverton)).values_list("email", flat=True))
    assert {p.email for p in people} <= everyone and riverton.resident.email in everyone
    assert not any(e.endswith("lakeside.example") for e in everyone) and lakeside.resident.email not in everyone
    billing = set(campaign_users(campaign=save(riverton, audience=Campaign.Audience.BILLING))
                  .values_list("email", flat=True))
    assert billing == {p.email for p in people[::2]}
    chosen = save(riverton, audience=Campaign.Audience.CHOSEN, chosen_ids=(people[1].pk, lakeside.resident.pk))
    assert list(campaign_users(campaign=chosen)) == [people[1]]  # another city's person is never chosen


def test_search_finds_by_email_name_holder_name_and_customer_number_in_this_city_only(
        riverton, lakeside, django_assert_num_queries):
    LinkedAccount.objects.create(tenant=riverton.tenant, user=riverton.resident, account_key="10014",
                                 customer_number="001-0014-00")
    AccountSnapshot.objects.create(tenant=riverton.tenant, account_key="10014",
                                   data={"first_name": "Doris", "last_name": "Hayes"})
    riverton.resident.first_name, riverton.resident.last_name = "Rosa", "Rivera"
    riverton.resident.save()
    for query in ("rosa rivera", riverton.resident.email[:5], "001-0014-00", "0014-00", "10014", "Hayes", "doris",
                  "Doris Hayes", "rosa hayes"):
        assert find_members(tenant=riverton.tenant, query=query) == [riverton.resident], query
    assert find_members(tenant=riverton.tenant, query="Doris Rivers") == []
    assert find_members(tenant=riverton.tenant, query=lakeside.resident.email) == []
    LinkedAccount.objects.create(tenant=lakeside.tenant, user=lakeside.resident, account_key="10014",
                                 customer_number="001-0014-00")
    assert find_members(tenant=riverton.tenant, query="001-0014-00") == [riverton.resident]
    people = make_people(riverton.tenant, 6, linked_every=1)
    AccountSnapshot.objects.bulk_create([AccountSnapshot(tenant=riverton.tenant, account_key=f"{7000000 + i}",
                                                         data={"first_name": "Doris", "last_name": f"H{i}"})
                                         for i in range(6)])
    with django_assert_num_queries(1):  # one query, however many are found
        found = find_members(tenant=riverton.tenant, query="doris")
    assert found == sorted([riverton.resident, *people], key=lambda u: u.email)


def test_each_person_gets_their_own_message_rendered_as_the_safe_renderer_would(riverton):
    campaign = save(riverton, body="<p>Dear {name} &amp; {first_name},</p><ul><li>{email}</li></ul>")
    compiled = compose.compile_message(tenant=riverton.tenant, subject=campaign.subject, body=campaign.body)
    values = compose.person_values(first_name="Ana <b>", last_name="O'Neil & co", email="ana@example.org")
    fast = compiled.render(values)
    slow = rich_text.render_html(campaign.body, {**values, "city": riverton.tenant.name})
    assert rich_text.sanitize(fast.html) == slow == fast.html
    assert "Ana &lt;b&gt;" in fast.html and fast.subject == "Water news for Ana <b>"
    assert fast.text == rich_text.to_text(slow)


def test_a_person_without_a_name_is_greeted_by_their_accounts_name_else_as_customer(riverton):
    people = make_people(riverton.tenant, 2, prefix="noname")
    User.objects.filter(pk__in=[p.pk for p in people]).update(first_name="", last_name="")
    LinkedAccount.objects.create(tenant=riverton.tenant, user=people[0], account_key="10014",
                                 customer_number="001-0014-00")
    AccountSnapshot.objects.create(tenant=riverton.tenant, account_key="10014",
                                   data={"first_name": "Doris", "last_name": "Hayes"})
    campaign = sent(save(riverton, subject="Rates for {name}", body="<p>Dear {first_name}, the new water rates</p>"),
                    riverton)
    got = {row.to: row for row in OutboundEmail.objects.filter(source=campaign.source)}
    assert "<p>Dear Doris, the new water rates</p>" in got[people[0].email].html
    assert got[people[0].email].subject == "Rates for Doris Hayes"
    assert "<p>Dear Customer, the new water rates</p>" in got[people[1].email].html
    assert got[people[1].email].subject == "Rates for Customer"
    assert "<p>Dear Rosa, the new water rates</p>" in got[riverton.resident.email].html  # their own name first


def test_queuing_goes_in_chunks_from_the_cursor_and_nobody_gets_two(riverton):
    people = make_people(riverton.tenant, 25)
    campaign = save(riverton)
    count = services.send_campaign(campaign=campaign, acting_user=riverton.clerk)
    assert count == 25 + 2  # and Rosa and Carl, members too
    assert queuing.queue_chunk(campaign_id=campaign.pk, chain=campaign.chain, size=10)
    campaign.refresh_from_db()
    assert OutboundEmail.objects.filter(source=campaign.source).count() == 10
    first_ten = sorted([riverton.resident.pk, riverton.clerk.pk] + [p.pk for p in people])[:10]
    assert campaign.queued_through == first_ten[-1]
    # A worker died after committing the chunk but before asking for the next: the sweep starts a new chain ...
    Campaign.objects.filter(pk=campaign.pk).update(queued_through=0)  # ... and even from the start again:
    old_chain = campaign.chain
    [resumed] = services.resume_stalled(stalled_after=timedelta(seconds=-1))
    campaign.refresh_from_db()
    assert resumed == campaign.pk and campaign.chain != old_chain
    # A task of the old chain, still waiting in the queue, does its chunk but does not go on.
    assert not queuing.queue_chunk(campaign_id=campaign.pk, chain=old_chain, size=10)
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain, size=10)
    campaign.refresh_from_db()
    rows = OutboundEmail.objects.filter(source=campaign.source)
    assert rows.count() == 27 and rows.values("to").distinct().count() == 27
    assert campaign.state == Campaign.State.SENDING
    assert set(rows.values_list("key", flat=True)) == {campaign.key_for(pk) for pk in first_ten} | {
        campaign.key_for(p.pk) for p in people} | {campaign.key_for(riverton.resident.pk)}
    assert rows.get(to=people[3].email).subject == "Water news for First3"


def test_the_campaign_is_sent_when_every_row_is_done_and_unsubscribed_people_are_counted_not_sent(riverton):
    people = make_people(riverton.tenant, 4)
    unsubscribe(tenant=riverton.tenant, address=people[0].email, category=Category.NEWSLETTERS)
    campaign = sent(save(riverton), riverton)  # delivered at once in tests (OUTBOX_DELIVERY inline)
    progress = follow_campaign(campaign=campaign)
    assert (progress.total, progress.sent, progress.suppressed, progress.failed) == (6, 5, 1, 0)
    assert progress.finished and progress.percent == 100
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.SENT
    assert people[0].email not in {m.to[0] for m in mail.outbox} and len(mail.outbox) == 5
    [message] = [m for m in mail.outbox if m.to == [people[1].email]]
    assert message.subject == "Water news for First1" and "List-Unsubscribe" in message.extra_headers


def test_beats_sweep_marks_a_campaign_sent_when_nobody_watches_it(riverton):
    from communications.campaigns.tasks import resume_stalled_campaigns

    campaign = sent(save(riverton), riverton)
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.SENDING  # every row delivered already
    resume_stalled_campaigns()
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.SENT


def test_a_communication_is_attached_to_every_message(riverton, post):
    communication = post(riverton, "2026 Water Rates")
    sent(save(riverton, attachment=services.COMMUNICATION, communication=communication), riverton)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        [(name, content, kind)] = message.attachments
        assert (name, content, kind) == ("2026-water-rates.pdf", PDF, "application/pdf")


def test_send_twice_sends_once_and_an_empty_audience_is_refused(riverton):
    campaign = save(riverton)
    services.send_campaign(campaign=campaign, acting_user=riverton.clerk)
    with pytest.raises(ValidationError, match="sent already"):
        services.send_campaign(campaign=campaign, acting_user=riverton.clerk)
    nobody = save(riverton, audience=Campaign.Audience.BILLING)
    with pytest.raises(ValidationError, match="Nobody would receive"):
        services.send_campaign(campaign=nobody, acting_user=riverton.clerk)
    assert Campaign.objects.get(pk=nobody.pk).state == Campaign.State.DRAFT


def test_a_test_goes_to_the_clerk_only_as_transactional(riverton):
    campaign = save(riverton)
    queuing.send_test(campaign=campaign, acting_user=riverton.clerk)
    [row] = OutboundEmail.objects.all()
    assert (row.to, row.category) == (riverton.clerk.email, Category.TRANSACTIONAL)
    assert [m.to for m in mail.outbox] == [[riverton.clerk.email]]
    assert Campaign.objects.get(pk=campaign.pk).state == Campaign.State.DRAFT


def test_cancel_stops_the_rest(riverton):
    make_people(riverton.tenant, 20)
    campaign = save(riverton)
    services.send_campaign(campaign=campaign, acting_user=riverton.clerk)
    queuing.queue_chunk(campaign_id=campaign.pk, chain=campaign.chain, size=5)
    assert services.cancel_campaign(campaign=campaign, acting_user=riverton.clerk)
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain, size=5)
    assert OutboundEmail.objects.filter(source=campaign.source).count() == 5
    assert follow_campaign(campaign=campaign).finished


def test_a_communication_an_unsent_mass_email_attaches_is_not_deleted_until_it_is_sent(riverton, post):
    from communications.models import Communication
    from communications.services import delete_communication

    rates = post(riverton, "2026 Water Rates")
    campaign = save(riverton, subject="Rates for {first_name}", attachment=services.COMMUNICATION, communication=rates)
    save(riverton, subject="Other news")  # a draft without it does not hold it

    def refusal() -> str:
        with pytest.raises(ValidationError) as caught:
            delete_communication(communication=rates, acting_user=riverton.clerk)
        assert Communication.objects.filter(pk=rates.pk).exists() and rates.file.storage.exists(rates.file.name)
        return " ".join(caught.value.messages)

    assert refusal() == ("“2026 Water Rates” is attached to the draft mass email “Rates for {first_name}”: delete or "
                         "change that draft first, then delete this.")
    services.send_campaign(campaign=campaign, acting_user=riverton.clerk)  # queuing: its chunks still read the PDF
    being_sent = ("“2026 Water Rates” is attached to the mass email “Rates for {first_name}”, which is being sent: "
                  "delete this once it has been sent.")
    assert refusal() == being_sent
    queuing.queue_chunk(campaign_id=campaign.pk, chain=campaign.chain, size=1)
    assert refusal() == being_sent
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.SENDING and refusal() == being_sent
    assert follow_campaign(campaign=campaign).finished  # every email went, each with its own copy of the PDF
    assert all(m.attachments for m in mail.outbox) and len(mail.outbox) == 2
    delete_communication(communication=rates, acting_user=riverton.clerk)
    campaign.refresh_from_db()
    assert not Communication.objects.filter(pk=rates.pk).exists()
    assert (campaign.state, campaign.communication) == (Campaign.State.SENT, None)  # a sent campaign stays


def test_two_drafts_holding_a_communication_are_both_named(riverton, post):
    from communications.services import delete_communication

    rates = post(riverton, "2026 Water Rates")
    for subject in ("First", "Second"):
        save(riverton, subject=subject, attachment=services.COMMUNICATION, communication=rates)
    with pytest.raises(ValidationError) as caught:
        delete_communication(communication=rates, acting_user=riverton.clerk)
    assert caught.value.messages == ["“2026 Water Rates” is attached to the draft mass emails “First”, “Second”: "
                                     "delete or change those drafts first, then delete this."]
