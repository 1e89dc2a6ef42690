"""The unsubscribe link the outbox puts in a newsletter stops newsletters to that address, and nothing else."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.test import Client

from communications.outbox import Outgoing, queue_messages
from communications.outbox.models import OutboundEmail
from customers.notifications import Category


def suppressed(city, *, category: str, key: str, to: list[str]) -> set[str]:
    """Queue one message per address; the addresses the outbox kept back as unsubscribed."""
    queued = queue_messages(tenant=city.tenant, kind="campaign", category=category, source=key, messages=[
        Outgoing(to=a, subject="Hello", text="Hello.", html="", key=f"{key}:{a}") for a in to])
    kept_back = {row.to for row in OutboundEmail.objects.filter(tenant=city.tenant, source=key, state="suppressed")}
    assert queued == len(to) - len(kept_back)
    return kept_back


def test_the_newsletter_s_one_click_link_suppresses_the_next_newsletter_only(riverton, lakeside):
    people = ["rosa@example.org", "owner@caselle.example"]
    assert suppressed(riverton, category=Category.NEWSLETTERS, key="news-1", to=people) == set()
    row = OutboundEmail.objects.get(source="news-1", to="rosa@example.org")
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.fullmatch(r"<(.+)>", row.headers["List-Unsubscribe"]).group(1)
    assert urlsplit(link).hostname == "riverton.localhost"

    mail_client = Client(HTTP_HOST="riverton.localhost", enforce_csrf_checks=True)
    response = mail_client.post(urlsplit(link).path, data="List-Unsubscribe=One-Click",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200

    assert suppressed(riverton, category=Category.NEWSLETTERS, key="news-2", to=people) == {"rosa@example.org"}
    assert suppressed(riverton, category=Category.BILLS, key="bills-1", to=people) == set()
    assert suppressed(riverton, category=Category.TRANSACTIONAL, key="receipt-1", to=people) == set()
    assert suppressed(lakeside, category=Category.NEWSLETTERS, key="lakeside-news", to=people) == set()
