"""Mass email at a city's size: rendering and queuing a campaign, delivering it over SMTP, and its memory.

    .venv/bin/python bench/bench_email.py [--recipients 20000] [--deliver 3000] [--memory-recipients 50000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc .venv/bin/python bench/bench_email.py

In one run on one machine (a throwaway database: SQLite under a temp VAR_DIR, or a fresh PostgreSQL
database beside DATABASE_URL's, dropped afterwards), each timed part in a fresh process of its own:

  1. Queue: a campaign to `recipients` portal users (bulk-made), queued by the campaign's own chunks
     (render each person's message, the outbox's bulk queue_messages with the city's footer and
     unsubscribe link, the cursor) against the raw rate of building the same number of outbox rows
     (same subject, text and HTML sizes) and writing them with bulk_create, run twice (the mean).
  2. Deliver: `deliver` of those rows sent by the outbox's delivery (claim, build, SMTP, record)
     into a local aiosmtpd sink (its own process, discarding), against raw smtplib sending the same
     messages over one connection to the same sink, before and after it (the mean).
  3. Memory: a campaign to `memory-recipients` people queued in a fresh process; its peak is the
     process's ru_maxrss growth over the run (goal < 300 MB).

Goals: queuing >= 5,000 messages a second. Nothing here is a test; it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, ROOT, free_port  # noqa: E402

GOALS = {"queue_per_s": 5000, "memory_mb": 300}
BODY = ("<h2>Spring newsletter</h2><p>Hello {first_name},</p><p>Hydrant flushing starts Monday in {city}. "
        "Your water may look cloudy for a few hours: run the cold tap until it clears.</p>"
        "<ul><li>New rates from July 1</li><li>Pay online with AutoPay</li><li>Office hours 8-5</li></ul>"
        "<p>Questions? Write to <a href=\"mailto:office@example.org\">the office</a>.</p><p>{office_contact}</p>")


# --- the children: one timed part each ----------------------------------------------------------

def _django():
    import django

    django.setup()


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_setup(count: int, slug: str) -> dict:
    from customers.models import Membership, User
    from portal.models import Tenant

    tenant = Tenant.objects.create(slug=slug, name=f"City of {slug.title()}", time_zone="America/Denver")
    clerk = User.objects.create(email=f"clerk@{slug}.example", first_name="Carl")
    for start in range(0, count, 5000):
        users = User.objects.bulk_create([User(email=f"p{i}@{slug}.example", first_name=f"First{i}",
                                               last_name=f"Last{i}", password="!")
                                          for i in range(start, min(count, start + 5000))])
        Membership.objects.bulk_create([Membership(tenant=tenant, user=u) for u in users])
    return {"tenant_id": tenant.pk, "clerk_id": clerk.pk}


def _campaign(tenant_id: int, clerk_id: int):
    from communications.campaigns import services
    from communications.campaigns.models import Campaign
    from customers.models import User
    from portal.models import Tenant

    tenant, clerk = Tenant.objects.get(pk=tenant_id), User.objects.get(pk=clerk_id)
    campaign = services.save_draft(tenant=tenant, acting_user=clerk, draft=services.Draft(
        subject="Spring newsletter for {first_name}", body=BODY, audience=Campaign.Audience.ALL))
    services.send_campaign(campaign=campaign, acting_user=clerk)  # its one task goes to a queue nobody reads
    return campaign


def phase_queue(tenant_id: int, clerk_id: int) -> dict:
    from communications.campaigns import queuing
    from communications.outbox.models import OutboundEmail

    from django.urls import get_resolver

    campaign = _campaign(tenant_id, clerk_id)
    get_resolver().url_patterns  # loaded once per worker process (unsubscribe links reverse a URL): not timed
    before = _maxrss_mb()
    started = time.perf_counter()
    queuing.queue_all(campaign_id=campaign.pk, chain=campaign.chain)
    seconds = time.perf_counter() - started
    rows = OutboundEmail.objects.filter(source=campaign.source).count()
    return {"rows": rows, "seconds": seconds, "per_s": rows / seconds, "peak_growth_mb": _maxrss_mb() - before,
            "peak_mb": _maxrss_mb(), "source": campaign.source}


def phase_raw(tenant_id: int, count: int, tag: str) -> dict:
    """The same number of outbox rows, of the same sizes, built and written with bulk_create (then deleted)."""
    from communications.outbox.models import OutboundEmail
    from portal.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    sample = OutboundEmail.objects.filter(tenant=tenant, source__startswith="campaign:").first()
    started = time.perf_counter()
    for start in range(0, count, 2000):
        OutboundEmail.objects.bulk_create([
            OutboundEmail(tenant=tenant, kind="raw", category=sample.category, to=f"raw{i}@example.org",
                          subject=sample.subject, text=sample.text, html=sample.html, headers=sample.headers,
                          key=f"raw-{tag}:{i}", source=f"raw-{tag}", message_id=f"<{i}.{tag}@raw>")
            for i in range(start, min(count, start + 2000))])
    seconds = time.perf_counter() - started
    OutboundEmail.objects.filter(source=f"raw-{tag}").delete()
    return {"rows": count, "seconds": seconds, "per_s": count / seconds}


def phase_deliver(tenant_id: int, source: str, count: int) -> dict:
    from communications.outbox.delivery import deliver_due
    from communications.outbox.models import OutboundEmail
    from portal.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    keep = list(OutboundEmail.objects.filter(tenant=tenant, source=source).order_by("pk")
                .values_list("pk", flat=True)[:count])
    # Only `count` rows are due now: the rest wait (as retries would), so delivery stops after them.
    OutboundEmail.objects.filter(tenant=tenant, state="queued").exclude(pk__in=keep).update(
        next_attempt_at="2100-01-01T00:00:00Z")
    started = time.perf_counter()
    sent = 0
    while True:
        counts = deliver_due(tenant=tenant, budget=600)
        sent += counts["sent"]
        if not counts["sent"] and not counts["retry"]:
            break
    seconds = time.perf_counter() - started
    return {"sent": sent, "seconds": seconds, "per_s": sent / seconds}


def phase_smtplib(tenant_id: int, source: str, count: int) -> dict:
    """The same messages (as the outbox builds them) sent with smtplib over one connection."""
    import smtplib

    from django.conf import settings

    from communications.outbox.delivery import build
    from communications.outbox.models import OutboundEmail

    rows = list(OutboundEmail.objects.filter(tenant_id=tenant_id, source=source).select_related("tenant")
                .order_by("pk")[:count])
    messages = [(row.to, build(row, {}).message().as_bytes(linesep="\r\n")) for row in rows]
    started = time.perf_counter()
    with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=30) as smtp:
        for to, data in messages:
            smtp.sendmail("no-reply@localhost", [to], data)
    seconds = time.perf_counter() - started
    return {"sent": len(messages), "seconds": seconds, "per_s": len(messages) / seconds}


PHASES = {"setup": phase_setup, "queue": phase_queue, "raw": phase_raw, "deliver": phase_deliver,
          "smtplib": phase_smtplib}


def child(name: str, args: list) -> None:
    _django()
    print(json.dumps(PHASES[name](*args)))


# --- the parent ------------------------------------------------------------------------------------

class Run:
    """A throwaway VAR_DIR (and PostgreSQL database), migrated; an aiosmtpd sink process."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="cc-bench-email-"))
        self.port = free_port()
        self.env = {**os.environ, "VAR_DIR": str(self.dir / "var"), "LOG_LEVEL": "WARNING",
                    "DJANGO_SETTINGS_MODULE": "portal.settings", "OUTBOX_DELIVERY": "worker",
                    "DJANGO_DEBUG": "false",  # as production runs (no query log)
                    "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "false"}
        self.env.pop("REDIS_URL", None)  # the queue's one task goes to a filesystem broker nobody reads
        self.database, self._admin = None, None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            import psycopg
            from urllib.parse import urlparse, urlunparse

            parts = urlparse(url)
            self.database = f"{parts.path.lstrip('/') or 'cc'}_bench_email{os.getpid()}"
            self._admin = urlunparse(parts._replace(path="/postgres"))
            with psycopg.connect(self._admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.database}"')
            self.env["DATABASE_URL"] = urlunparse(parts._replace(path="/" + self.database))
        subprocess.run([PY, "manage.py", "migrate", "-v0"], check=True, cwd=ROOT, env=self.env)
        self.sink = subprocess.Popen([PY, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}", "-c",
                                      "aiosmtpd.handlers.Sink"], cwd=ROOT, env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)

    def phase(self, name: str, *args) -> dict:
        out = subprocess.run([PY, __file__, "--phase", name, json.dumps(list(args))], cwd=ROOT, env=self.env,
                             capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError(out.stderr[-3000:])
        return json.loads(out.stdout.strip().splitlines()[-1])

    @property
    def backend(self) -> str:
        return "PostgreSQL" if self.database else "SQLite"

    def close(self):
        self.sink.terminate()
        self.sink.wait(timeout=10)
        if self.database:
            import psycopg

            with psycopg.connect(self._admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=20000)
    parser.add_argument("--deliver", type=int, default=3000)
    parser.add_argument("--memory-recipients", type=int, default=50000)
    parser.add_argument("--phase")
    parser.add_argument("args", nargs="?")
    options = parser.parse_args()
    if options.phase:
        return child(options.phase, json.loads(options.args))

    run = Run()
    try:
        city = run.phase("setup", options.recipients, "bench")
        queued = run.phase("queue", city["tenant_id"], city["clerk_id"])
        raw_first = run.phase("raw", city["tenant_id"], queued["rows"], "a")
        smtp_first = run.phase("smtplib", city["tenant_id"], queued["source"], options.deliver)
        delivered = run.phase("deliver", city["tenant_id"], queued["source"], options.deliver)
        smtp_second = run.phase("smtplib", city["tenant_id"], queued["source"], options.deliver)
        raw_second = run.phase("raw", city["tenant_id"], queued["rows"], "b")
        big = run.phase("setup", options.memory_recipients, "memory")
        memory = run.phase("queue", big["tenant_id"], big["clerk_id"])
    finally:
        run.close()
    raw = (raw_first["per_s"] + raw_second["per_s"]) / 2
    smtp = (smtp_first["per_s"] + smtp_second["per_s"]) / 2

    print(f"{run.backend}; {os.cpu_count()} cores; one process per part")
    print(f"{'':52s} {'per s':>8s} {'of raw':>7s}  goal")
    ok = "met" if queued["per_s"] >= GOALS["queue_per_s"] else "NOT met"
    print(f"{'campaign rendered + queued (' + format(queued['rows'], ',') + ' people)':52s} {queued['per_s']:8.0f} "
          f"{queued['per_s'] / raw:7.0%}  >= {GOALS['queue_per_s']:,}/s {ok}")
    print(f"{'raw: same rows built + bulk_create (mean of 2)':52s} {raw:8.0f} {1:7.0%}")
    print(f"{'outbox delivered into aiosmtpd (' + format(delivered['sent'], ',') + ' messages)':52s} "
          f"{delivered['per_s']:8.0f} {delivered['per_s'] / smtp:7.0%}")
    print(f"{'raw: smtplib, one connection, same messages (mean of 2)':52s} {smtp:8.0f} {1:7.0%}")
    ok = "met" if memory["peak_mb"] < GOALS["memory_mb"] else "NOT met"
    print(f"peak memory queuing {memory['rows']:,} people: {memory['peak_mb']:.0f} MB "
          f"(+{memory['peak_growth_mb']:.0f} MB over the run; {memory['per_s']:.0f}/s)  "
          f"< {GOALS['memory_mb']} MB {ok}")


if __name__ == "__main__":
    main()
