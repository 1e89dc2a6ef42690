"""The timed parts of bench_autopay.py, each run in a fresh process (bench_autopay.py --phase NAME)."""

from __future__ import annotations

import json
import os
import resource
import secrets
import sys
import time
from decimal import Decimal
from pathlib import Path

from bench.common import ROOT


# --- Django in a bench process --------------------------------------------------------------------

def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    isolate_celery()


def isolate_celery() -> None:
    """On Redis, queue the run's tasks (posting, receipts) under a queue name of its own, not on the shared one."""
    queue = os.environ.get("BENCH_CELERY_QUEUE")
    if queue:
        from portal.celery import app

        app.conf.task_default_queue = queue


# --- the children: one timed part each ------------------------------------------------------------

def child(phase: str, params: dict) -> None:
    setup_django({})
    from django.db import connection

    from cows_bridge import client as cows
    from portal.models import Tenant

    tenant = Tenant.objects.get(pk=params["tenant"])
    cows.get_status(tenant)  # the connection to COWS and to the database open, the code imported
    import autopay.charging  # noqa: F401
    import autopay.scheduling  # noqa: F401
    import billing.payments.checkout  # noqa: F401

    connection.ensure_connection()
    result = PHASES[phase](tenant, params)
    print(json.dumps(result))


def maxrss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def live_enrollments(tenant) -> int:
    return tenant.autopay_enrollments.filter(ended_at__isnull=True).count()


def phase_schedule(tenant, params) -> dict:
    from autopay.scheduling import schedule_payments

    enrollments = live_enrollments(tenant)
    before = maxrss_kb()
    started = time.perf_counter()
    run = schedule_payments(tenant=tenant, actor="bench")
    seconds = time.perf_counter() - started
    peak = maxrss_kb()
    return {"seconds": seconds, "enrollments": enrollments,
            "rows": tenant.scheduled_payments.filter(period_id=run.period_id).count(),
            "peak_kb": peak, "peak_growth_kb": peak - before,
            "run": {"scheduled": run.scheduled, "charged_now": run.charged_now, "no_balance": run.no_balance,
                    "already": run.already, "refused": len(run.refused)}}


def phase_raw_schedule(tenant, params) -> dict:
    """The same reads and one bulk_create per batch: no rules, no checks, no bookkeeping."""
    from django.utils import timezone

    from autopay.models import ScheduledPayment
    from cows_bridge import client as cows

    period = cows.get_status(tenant).last_closed_period
    period_id = period.id + params["period_offset"]
    today = timezone.localdate(timezone=tenant.zone)
    started = time.perf_counter()
    live = list(tenant.autopay_enrollments.filter(ended_at__isnull=True).order_by("id")
                .values_list("id", "account_key", "customer_number"))
    rows = 0
    for start in range(0, len(live), 200):
        batch = live[start:start + 200]
        found, _missing = cows.get_accounts(tenant, [key for _id, key, _number in batch])
        made = [ScheduledPayment(tenant_id=tenant.id, enrollment_id=pk, account_key=key, customer_number=number,
                                 period_id=period_id, period_label=period.label, due_date=s.due_date,
                                 charge_on=s.due_date or today, amount=s.balance_due, created_by="raw")
                for pk, key, number in batch
                if (s := found.get(key)) is not None and s.balance_due > 0 and not s.direct_pay]
        ScheduledPayment.objects.bulk_create(made, batch_size=200)
        rows += len(made)
    return {"seconds": time.perf_counter() - started, "enrollments": len(live), "rows": rows}


def phase_charge(tenant, params) -> dict:
    from django.db.models import Count

    from autopay.charging import charge_due

    started = time.perf_counter()
    charged = 0
    while True:
        done = charge_due(tenant=tenant)
        if not done:
            break
        charged += done
    seconds = time.perf_counter() - started
    states = dict(tenant.scheduled_payments.exclude(state="pending").values_list("state")
                  .annotate(n=Count("id")).values_list("state", "n"))
    return {"seconds": seconds, "charged": charged, "states": states}


def phase_raw_charge(tenant, params) -> dict:
    from billing.payments.providers.sandbox import SandboxProvider
    from billing.payments.models import PaymentMethod

    token = (PaymentMethod.objects.filter(tenant=tenant, kind="card").order_by("id").values_list("token", flat=True)
             .first())
    provider = SandboxProvider(tenant)
    run = secrets.token_hex(4)  # keys of this call alone
    started = time.perf_counter()
    for n in range(params["count"]):
        result = provider.charge(amount=Decimal("10.00") + n % 50, token=token, customer_token="",
                                 idempotency_key=f"raw-{run}-{n}", description=f"{tenant.name} RAW{n}",
                                 metadata={"reference": f"RAW{n}", "tenant": tenant.slug}, customer_present=False)
        assert result.succeeded, result
    return {"seconds": time.perf_counter() - started}


# Functions whose cumulative share the profile reports, as they are named in the stats.
KEY_FUNCTIONS = [
    ("autopay/scheduling.py", "_schedule_batch"), ("cows_bridge/client.py", "get_accounts"),
    ("cows_bridge/client.py", "get_account"), ("cows_bridge/health.py", "record_success"),
    ("autopay/charging.py", "claim_due"), ("autopay/charging.py", "charge_claimed"),
    ("autopay/charging.py", "_finish"), ("autopay/charging.py", "settle"),
    ("autopay/enrollment.py", "autopay_settings"),
    ("billing/payments/checkout.py", "start_checkout"), ("billing/payments/checkout.py", "confirm_payment"),
    ("billing/payments/providers/sandbox.py", "charge"), ("billing/payments/checkout.py", "record_charge_result"),
    ("billing/payments/states.py", "transition"), ("billing/payments/states.py", "record_start"),
    ("billing/payments/posting.py", "enqueue_posting"), ("billing/payments/checkout.py", "_after_charge"),
    ("billing/payments/providers/__init__.py", "current_account"),
    ("billing/payments/providers/__init__.py", "payment_settings"),
    ("django/db/models/base.py", "refresh_from_db"), ("django/db/models/query.py", "bulk_create"),
    ("django/db/models/query.py", "update"), ("django/db/backends/utils.py", "execute"),
    ("django/db/backends/utils.py", "_execute"), ("requests/sessions.py", "request"),
    ("django/template/base.py", "render"), ("celery/app/task.py", "delay"),
]


def profiled(func) -> tuple[float, str]:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    func()
    prof.disable()
    seconds = time.perf_counter() - started
    stats = pstats.Stats(prof)
    total = max(sum(v[2] for v in stats.stats.values()), 1e-9)  # total internal time
    lines = ["  cumulative share of the profiled time, per call site (calls, cumulative s, share):"]
    for path, name in KEY_FUNCTIONS:
        calls = cum = 0.0
        for (filename, _line, fname), (_cc, nc, _tt, ct, _callers) in stats.stats.items():
            if fname == name and filename.endswith(path):
                calls += nc
                cum += ct
        if calls:
            lines.append(f"    {path + ':' + name:58s} {int(calls):8d} {cum:8.2f} {cum / total:6.0%}")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
    body = out.getvalue()
    body = body[body.find("ncalls"):] if "ncalls" in body else body
    lines.append("  top own time:")
    lines += ["    " + line.replace(str(ROOT) + "/", "").replace(str(Path(sys.prefix)) + "/", "")
              for line in body.strip().splitlines()]
    return seconds, "\n".join(lines)


def phase_profile_schedule(tenant, params) -> dict:
    from autopay.scheduling import schedule_payments

    enrollments = live_enrollments(tenant)
    seconds, report = profiled(lambda: schedule_payments(tenant=tenant, actor="bench-profile"))
    return {"seconds": seconds, "enrollments": enrollments, "report": report}


def phase_profile_charge(tenant, params) -> dict:
    from autopay.charging import charge_due

    def run():
        while charge_due(tenant=tenant):
            pass

    seconds, report = profiled(run)
    return {"seconds": seconds, "report": report}


PHASES = {"schedule": phase_schedule, "raw_schedule": phase_raw_schedule, "charge": phase_charge,
          "raw_charge": phase_raw_charge, "profile_schedule": phase_profile_schedule,
          "profile_charge": phase_profile_charge}
