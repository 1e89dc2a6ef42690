"""Bounces reported by the mail provider mark the email bounced in the Email log, for its own city only."""

from __future__ import annotations

import json

import pytest

from communications.outbox import queue_email
from communications.outbox.models import OutboundEmail

HOOK = "/email/bounces/"


@pytest.fixture
def token(settings):
    settings.EMAIL_BOUNCE_TOKEN = "s3cret-bounce-token"
    return settings.EMAIL_BOUNCE_TOKEN


def sent(city, to):
    queue_email(tenant=city.tenant, kind="office_notice", to=[to], subject="Hi", text="Hello")
    return OutboundEmail.objects.get(tenant=city.tenant, to=to)


def report(client, body, token="s3cret-bounce-token"):
    return client.post(HOOK, json.dumps(body), content_type="application/json", HTTP_HOST="localhost",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_reported_bounce_marks_the_email_with_the_reason(riverton, lakeside, client, token):
    gone, kept = sent(riverton, "gone@example.org"), sent(lakeside, "lena@example.org")
    response = report(client, {"bounces": [{"message_id": gone.message_id, "reason": "550 5.1.1 mailbox unknown"},
                                           {"message_id": "<nothing.riverton@localhost>", "reason": "x"}]})
    assert response.status_code == 200 and response.json() == {"marked": 1, "unknown": 1}
    gone.refresh_from_db(), kept.refresh_from_db()
    assert (gone.state, gone.last_error) == ("bounced", "Bounced: 550 5.1.1 mailbox unknown")
    assert kept.state == "sent"


def test_a_message_id_names_its_city_so_another_citys_id_cannot_be_forged(riverton, lakeside, client, token):
    row = sent(riverton, "rosa@example.org")
    forged = row.message_id.replace(".riverton@", ".lakeside@")
    assert report(client, {"bounces": [{"message_id": forged, "reason": "x"}]}).json() == {"marked": 0, "unknown": 1}
    row.refresh_from_db()
    assert row.state == "sent"


def test_a_wrong_token_or_a_bad_body_changes_nothing(riverton, client, token):
    row = sent(riverton, "rosa@example.org")
    assert report(client, {"bounces": [{"message_id": row.message_id}]}, token="guess").status_code == 403
    response = client.post(HOOK, "not json", content_type="application/json", HTTP_HOST="localhost",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 400 and "Expected" in response.content.decode()
    row.refresh_from_db()
    assert row.state == "sent"


def test_without_a_token_set_the_address_does_not_exist(riverton, client, settings):
    settings.EMAIL_BOUNCE_TOKEN = ""
    assert report(client, {"bounces": []}, token="").status_code == 404
