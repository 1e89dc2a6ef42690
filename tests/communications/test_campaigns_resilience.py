"""THE proof: a campaign of 20,000 people, real Celery workers, a real SMTP server, a worker SIGKILLed mid-campaign.

Everyone gets the newsletter exactly once: the chunk a killed worker was queuing rolls back with its
transaction, the cursor says where to start again, beat's sweep gives the stalled campaign a new chain
that another worker picks up, and the outbox's keys and claims make a second message impossible.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest

from communications.campaigns import services
from communications.campaigns.models import Campaign
from communications.campaigns.selectors import follow_campaign
from communications.outbox.models import OutboundEmail
from customers.models import User

from ..conftest import wait_for
from .campaign_helpers import make_people

PEOPLE = 20_000


# Minutes of real work: its own group under bin/test's --dist loadgroup (scheduled as one unit, alone).
@pytest.mark.xdist_group(name="campaign-20000")
@pytest.mark.timeout(1500)
def test_twenty_thousand_people_get_the_newsletter_once_though_a_worker_is_killed(riverton, smtp_sink, settings,
                                                                                   celery_workers):
    settings.OUTBOX_DELIVERY = "worker"
    make_people(riverton.tenant, PEOPLE)
    expected = {e.lower() for e in User.objects.filter(memberships__tenant=riverton.tenant)
                .values_list("email", flat=True)}
    assert len(expected) == PEOPLE + 2  # and Rosa and Carl
    campaign = services.save_draft(tenant=riverton.tenant, acting_user=riverton.clerk, draft=services.Draft(
        subject="Spring newsletter for {first_name}", body="<p>Hello {first_name},</p><p>Spring news.</p>",
        audience=Campaign.Audience.ALL))
    doomed = celery_workers()
    services.send_campaign(campaign=campaign, acting_user=riverton.clerk)

    def halfway() -> bool:
        campaign.refresh_from_db()
        return campaign.queued_through > 0 and campaign.state == Campaign.State.QUEUING
    wait_for(halfway, timeout=120, what="the first chunks of the campaign to be queued")
    doomed.kill()  # SIGKILL: no clean-up, its task and any open transaction die with it
    doomed.wait(timeout=10)
    campaign.refresh_from_db()
    assert 0 < campaign.queued_through and campaign.state == Campaign.State.QUEUING
    celery_workers(), celery_workers()  # two others take over

    # Beat's sweep (here with a shorter patience) notices the campaign stopped moving and starts a new chain.
    def resumed_or_done() -> bool:
        services.resume_stalled(stalled_after=timedelta(seconds=10))
        campaign.refresh_from_db()
        return campaign.state != Campaign.State.QUEUING
    wait_for(resumed_or_done, timeout=600, what="the campaign to be queued to the end")

    # The outbox delivers; rows the killed worker had claimed come back when its claim runs out (beat's sweep,
    # asked for here every 15 s as beat would). Done when no row is waiting and the server has had a moment.
    from communications.outbox.tasks import deliver_waiting

    rows = OutboundEmail.objects.filter(tenant=riverton.tenant, source=campaign.source)
    swept = [time.monotonic()]

    def all_delivered() -> bool:
        if rows.count() == len(expected) and not rows.filter(state__in=("queued", "sending")).exists():
            return True
        if time.monotonic() - swept[-1] > 15:
            deliver_waiting.delay()
            swept.append(time.monotonic())
        return False
    wait_for(all_delivered, timeout=1200, what=f"{len(expected)} rows delivered by the outbox")
    deadline = time.monotonic() + 10  # the server's answer to the last "." may still be on its way
    while smtp_sink.count() < len(expected) and time.monotonic() < deadline:
        time.sleep(0.2)

    received = Counter(r.lower() for r in smtp_sink.recipients())
    missing = sorted(expected - set(received))
    assert not missing, f"{len(missing)} marked sent but never reached the server: {missing[:10]}"
    assert set(received) == expected
    # Nobody gets two messages. The one message a killed worker may have had accepted by the server but not yet
    # recorded is sent again with the same Message-ID (docs/email.md), which mail programs show once: at most
    # one such repeat for the one worker killed, and never a second, different message.
    repeated = [to for to, n in received.items() if n > 1]
    assert len(repeated) <= 1 and max(received.values()) <= 2
    for to in repeated:
        ids = {m["Message-ID"] for m in smtp_sink.messages() if m["To"].lower() == to}
        assert len(ids) == 1, f"{to} got two different messages"
    assert rows.filter(state="sent").count() == len(expected)
    assert follow_campaign(campaign=campaign).finished and campaign.state == Campaign.State.SENT
    message = next(m for m in smtp_sink.messages() if m["To"] == "person123@riverton.example")
    assert message["Subject"] == "Spring newsletter for First123"
