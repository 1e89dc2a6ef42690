"""Text messages: the file backend, queuing once per key, delivery claimed once, retries, and the campaign's texts."""

from __future__ import annotations

import json

import pytest

from communications.campaigns import queuing, services
from communications.campaigns.models import Campaign
from communications.campaigns.selectors import follow_campaign
from communications.texts import services as texts
from communications.texts.backends import FileTextBackend, TextSendError
from communications.texts.models import OutboundText
from customers.notifications import Category
from customers.notifications.writes import save_preferences, unsubscribe

from ..portal.test_settings import PROD, run_manage
from .campaign_helpers import make_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def text_dir(settings, tmp_path):
    settings.SMS_BACKEND = "communications.texts.backends.FileTextBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "texts")
    return tmp_path / "texts"


def files(folder) -> list[dict]:
    return sorted((json.loads(p.read_text()) for p in folder.glob("*.json")), key=lambda t: t["to"])


class Refusing:
    """A provider that refuses every text (as a real one does for a landline)."""

    def send_text(self, to, body):
        raise TextSendError("21614: not a mobile number")


def test_the_file_backend_writes_one_file_per_text_and_gives_its_id(text_dir):
    provider_id = FileTextBackend().send_text("+13035550123", "Hello from Riverton")
    [written] = files(text_dir)
    assert written["id"] == provider_id and (written["to"], written["body"]) == ("+13035550123", "Hello from Riverton")
    assert not list(text_dir.glob("*.part"))


def test_a_key_is_queued_once_and_delivered_once(riverton, text_dir):
    one = texts.Text(to="+13035550123", body="Water is off on Main St. today", key="notice:1")
    assert texts.queue_texts(tenant=riverton.tenant, texts=[one], source="notice") == 1
    assert texts.queue_texts(tenant=riverton.tenant, texts=[one], source="notice") == 0
    assert texts.deliver_waiting(tenant=riverton.tenant) == 1 and texts.deliver_waiting(tenant=riverton.tenant) == 0
    [row] = OutboundText.objects.all()
    assert row.state == "sent" and row.provider_id == files(text_dir)[0]["id"] and len(files(text_dir)) == 1


def test_a_refused_text_is_retried_then_failed_with_the_providers_words(riverton, settings, text_dir):
    settings.SMS_BACKEND = f"{__name__}.Refusing"
    texts.queue_texts(tenant=riverton.tenant, texts=[texts.Text(to="+13035550000", body="x", key="k")])
    for _attempt in range(texts.MAX_ATTEMPTS):
        OutboundText.objects.update(claimed_until=None)  # the pause between attempts is over
        texts.deliver_waiting(tenant=riverton.tenant)
    row = OutboundText.objects.get()
    assert (row.state, row.attempts, row.last_error) == ("failed", 3, "21614: not a mobile number")
    assert texts.counts(tenant=riverton.tenant, source="") == {"queued": 0, "sending": 0, "sent": 0, "failed": 1}


def test_a_text_left_sending_by_a_killed_worker_goes_out_after_its_claim(riverton, text_dir):
    from datetime import timedelta

    from django.utils import timezone

    texts.queue_texts(tenant=riverton.tenant, texts=[texts.Text(to="+13035550123", body="x", key="k")])
    OutboundText.objects.update(state="sending", claimed_until=timezone.now() + timedelta(minutes=1))
    assert texts.deliver_waiting(tenant=riverton.tenant) == 0  # still someone else's
    OutboundText.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert texts.deliver_waiting(tenant=riverton.tenant) == 1 and len(files(text_dir)) == 1


def test_a_campaign_texts_only_people_with_a_phone_who_agreed_and_kept_newsletters(riverton, text_dir):
    yes, no_consent, unsubscribed, no_phone = make_people(riverton.tenant, 4)
    save_preferences(tenant=riverton.tenant, user=yes, email={}, phone="+13035550101", texts=True)
    save_preferences(tenant=riverton.tenant, user=no_consent, email={}, phone="+13035550102", texts=False)
    save_preferences(tenant=riverton.tenant, user=unsubscribed, email={}, phone="+13035550103", texts=True)
    unsubscribe(tenant=riverton.tenant, address="+13035550103", category=Category.NEWSLETTERS, channel="text")
    campaign = services.save_draft(tenant=riverton.tenant, acting_user=riverton.clerk, draft=services.Draft(
        subject="Hydrant flushing", body="<p>Hydrants are flushed this week.</p>", audience=Campaign.Audience.ALL,
        also_by_text=True, text_body="{city}: hydrants flushed this week, {first_name}. Water may look cloudy."))
    services.send_campaign(campaign=campaign, acting_user=riverton.clerk)
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)
    assert texts.deliver_waiting(tenant=riverton.tenant) == 1
    assert [(t["to"], t["body"]) for t in files(text_dir)] == [
        ("+13035550101", "City of Riverton: hydrants flushed this week, First0. Water may look cloudy.")]
    assert follow_campaign(campaign=campaign).texts == 1


def test_no_texts_when_no_provider_is_set(riverton, settings, text_dir):
    settings.SMS_BACKEND = ""
    person = make_people(riverton.tenant, 1)[0]
    save_preferences(tenant=riverton.tenant, user=person, email={}, phone="+13035550101", texts=True)
    campaign = services.save_draft(tenant=riverton.tenant, acting_user=riverton.clerk, draft=services.Draft(
        subject="News", body="<p>News</p>", audience=Campaign.Audience.ALL, also_by_text=True, text_body="News"))
    services.send_campaign(campaign=campaign, acting_user=riverton.clerk)
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)
    assert not OutboundText.objects.exists()


def test_production_refuses_the_file_backend_naming_it(tmp_path):
    out = run_manage(tmp_path, {**PROD, "SMS_BACKEND": "communications.texts.backends.FileTextBackend"}, "check")
    assert out.returncode != 0
    assert "SMS_BACKEND=communications.texts.backends.FileTextBackend only writes files" in out.stderr
    assert run_manage(tmp_path, PROD, "check").returncode == 0  # no provider: no texts, and it starts
