"""AutoPay at a city's size: Schedule Payments over every enrollment, and charging a day's due payments.

    .venv/bin/python bench/bench_autopay.py [--enrollments 100000] [--charges 10000] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/bench_autopay.py

In one run on one machine (a real simulator process, a throwaway database: SQLite under a temp
VAR_DIR, or a fresh PostgreSQL database beside DATABASE_URL's, dropped afterwards):

  1. Schedule Payments: a simulator office of `enrollments` customers whose just-ended month is
     closed (bills out), one live Enrollment per customer number (bulk-made users, memberships,
     sandbox tokens and saved cards). `schedule_payments(tenant=, actor="bench")` is timed
     against the raw pipeline for the same rows, run before and after it (the ratio is to their
     mean): the same bridge batch reads (get_accounts, 200 a call) and a bulk_create of one
     ScheduledPayment per account with something due, no rules, under another period id. All
     three write the same number of rows; the raw rows are deleted before charging. The peak
     memory of the scheduling run is its process's ru_maxrss growth over the run.
  2. Charging: `charges` pending payments due today (charge hour 0), `charge_due(tenant=)` until
     nothing is left (the balance read again through the bridge, billing's checkout, the sandbox
     charge, the posting task queued and the receipt email, per row) against the raw provider,
     before and after it: SandboxProvider(tenant).charge(...) the same number of times, distinct
     keys, one token.

Each timed part runs in a fresh process of its own (this file with --phase, which runs the part
in bench/autopay_phases.py), so each starts alike and its memory is its own. Goals: scheduling
>= 75 % of the raw pipeline's rate and peak < 300 MB; charging >= 50 % of the raw charge rate.
When a goal is missed (or with --profile), the AutoPay path is profiled on a slice
(--profile-enrollments, --profile-charges) and its top costs printed. With REDIS_URL, Celery
tasks go to a queue of the run's own, deleted afterwards.
Nothing here is a test; it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.autopay_phases import child, setup_django  # noqa: E402
from bench.common import PY, ROOT, Stack  # noqa: E402

OFFICE = "bench"
CHUNK = 5000  # rows per bulk_create in the setup
GOALS = {"schedule": 0.75, "charge": 0.50, "memory_mb": 300}


# --- the parent: setup, children, report ---------------------------------------------------------

def customers(stack: Stack) -> list[tuple[str, bool]]:
    """(customer number, cards blocked) of every account, read from the simulator's datastore (setup only)."""
    db = stack.dir / "sim" / "offices" / OFFICE / "office.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [(number, bool(block_cc)) for number, block_cc in
                conn.execute("SELECT number, block_cc FROM customers ORDER BY id")]


def make_city(stack: Stack, accounts: list[tuple[str, bool]]):
    """The city, its AutoPay settings (charge hour 0), and one live enrollment per customer number, bulk-made.

    Each payer has a saved sandbox card, or a bank account where the office blocks cards (as enrolling requires).
    """
    from django.db import transaction
    from django.utils import timezone

    from autopay.models import AutoPaySettings, Enrollment
    from billing.payments.models import PaymentMethod
    from cows_bridge.types import normalize_customer_number
    from customers.models import Membership, User
    from portal.models import Tenant
    from sandboxpay.models import SandboxToken

    tenant = Tenant.objects.create(slug=OFFICE, name="City of Bench", cows_url=stack.office_url,
                                   cows_api_key="bench-key")
    AutoPaySettings.objects.create(tenant=tenant, charge_hour=0)
    now = timezone.now()
    for start in range(0, len(accounts), CHUNK):
        chunk = accounts[start:start + CHUNK]
        with transaction.atomic():
            users = User.objects.bulk_create([User(email=f"payer{start + n}@bench.example.org", password="!bench",
                                                   date_joined=now) for n in range(len(chunk))])
            if users[0].pk is None:  # backends that do not return ids (none of ours, but be sure)
                users = list(User.objects.filter(email__in=[u.email for u in users]).order_by("id"))
            Membership.objects.bulk_create([Membership(tenant=tenant, user=u, created_at=now) for u in users])
            tokens = [SandboxToken(token="btok_" + secrets.token_hex(12), kind="ach", brand="Checking", last4="6789",
                                   outcome="succeeded") if cards_blocked else
                      SandboxToken(token="tok_" + secrets.token_hex(12), kind="card", brand="Visa", last4="4242",
                                   exp_month=12, exp_year=2030, outcome="succeeded")
                      for _number, cards_blocked in chunk]
            SandboxToken.objects.bulk_create(tokens)
            methods = PaymentMethod.objects.bulk_create([
                PaymentMethod(tenant=tenant, user=u, provider="sandbox", token=t.token,
                              customer_token="cus_" + t.token[-16:], kind=t.kind, brand=t.brand, last4=t.last4,
                              exp_month=t.exp_month, exp_year=t.exp_year, created_at=now)
                for u, t in zip(users, tokens)])
            Enrollment.objects.bulk_create([
                Enrollment(tenant=tenant, user=u, account_key=normalize_customer_number(number),
                           customer_number=number, method=m, days_before_due=(start + n) % 11, enrolled_at=now,
                           enrolled_by=u)
                for n, ((number, _blocked), u, m) in enumerate(zip(chunk, users, methods))])
    return tenant



def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum (or SQLite's ANALYZE) keeps them (setup only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def clear_scheduling(tenant) -> None:
    """Before a profiled run: no scheduled payment nor run left, no waiting reason (setup only)."""
    from autopay.models import Enrollment, ScheduledPayment, ScheduleRun

    ScheduledPayment.objects.filter(tenant=tenant)._raw_delete(using="default")
    ScheduleRun.objects.filter(tenant=tenant).delete()
    Enrollment.objects.filter(tenant=tenant).exclude(waiting_reason="").update(waiting_reason="")


def due_today(tenant, count: int, exclude_charged: bool = True) -> int:
    """Make `count` of the run's pending rows due today (the rest later): what beat finds at the charge hour."""
    from datetime import timedelta

    from django.utils import timezone

    from autopay.models import ScheduledPayment

    today = timezone.localdate(timezone=tenant.zone)
    pending = ScheduledPayment.objects.filter(tenant=tenant, state=ScheduledPayment.State.PENDING)
    pending.update(charge_on=today + timedelta(days=60))
    ids = list(pending.order_by("id").values_list("id", flat=True)[:count])
    for start in range(0, len(ids), 900):
        ScheduledPayment.objects.filter(id__in=ids[start:start + 900]).update(charge_on=today)
    return len(ids)


def purge_queue() -> None:
    """Drop the run's queued tasks (no worker runs here): the filesystem broker goes with the temp folder."""
    queue = os.environ.get("BENCH_CELERY_QUEUE")
    if queue and os.environ.get("REDIS_URL"):
        import redis

        r = redis.Redis.from_url(os.environ["REDIS_URL"])
        for key in [queue, *r.scan_iter(match=f"*{queue}*")]:  # the list and kombu's bindings of it
            r.delete(key)


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrollments", type=int, default=100_000, help="customers in the office, each enrolled")
    parser.add_argument("--charges", type=int, default=10_000, help="pending payments due today, charged")
    parser.add_argument("--years", type=int, default=3, help="years of history the simulator replays per account")
    parser.add_argument("--profile", action="store_true", help="profile the AutoPay path even when the goals are met")
    parser.add_argument("--profile-enrollments", type=int, default=10_000, help="enrollments in the profiled run")
    parser.add_argument("--profile-charges", type=int, default=1_000, help="charges in the profiled run")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, json.loads(args.params or "{}"))

    t0 = time.perf_counter()
    stack = Stack(customers=args.enrollments, years=args.years)
    if stack.env.get("REDIS_URL"):
        stack.env["BENCH_CELERY_QUEUE"] = f"bench{os.getpid()}-autopay"
    try:
        closed = subprocess.run([PY, "-m", "caselle_sim", "close-period", "--data", str(stack.dir / "sim"),
                                 "--office", OFFICE], cwd=ROOT, check=True, capture_output=True, text=True)
        period = json.loads(closed.stdout)["closed"]
        setup_django(stack.env)
        from django.db import connection

        from autopay.models import ScheduledPayment
        from portal.models import Tenant

        accounts = customers(stack)
        tenant = make_city(stack, accounts)
        database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        print(f"{database}{' + Redis' if stack.env.get('REDIS_URL') else ''}: {len(accounts):,} enrollments made, "
              f"period {period['label']} closed (setup {time.perf_counter() - t0:.0f} s)", flush=True)

        # 1. Schedule Payments between two runs of the raw pipeline (a busy moment of the shared machine
        #    shows in the two raw figures). The raw runs write under other period ids, so every run writes
        #    the same rows; the first raw run's rows stand for a past period (a city's table is never empty).
        analyze()
        raw = stack.run_phase(__file__, "raw_schedule", tenant=tenant.id, period_offset=1_000_000)
        print(f"  raw pipeline: {raw['rows']:,} rows in {raw['seconds']:.1f} s", flush=True)
        analyze()
        sched = stack.run_phase(__file__, "schedule", tenant=tenant.id)
        print(f"  schedule_payments: {sched['rows']:,} rows in {sched['seconds']:.1f} s "
              f"(scheduled {sched['run']['scheduled']:,}, now {sched['run']['charged_now']:,}, "
              f"no balance {sched['run']['no_balance']:,}, refused {sched['run']['refused']:,})", flush=True)
        raw2 = stack.run_phase(__file__, "raw_schedule", tenant=tenant.id, period_offset=2_000_000)
        print(f"  raw pipeline again: {raw2['rows']:,} rows in {raw2['seconds']:.1f} s", flush=True)
        ScheduledPayment.objects.filter(tenant=tenant, created_by="raw")._raw_delete(using="default")
        analyze()
        if not raw["rows"] == raw2["rows"] == sched["rows"]:
            print(f"  NOTE: the raw pipeline wrote {raw['rows']} and {raw2['rows']} rows, schedule_payments "
                  f"{sched['rows']}")

        # 2. Charging: charge_due over `charges` rows, between two runs of the raw provider charges.
        tenant = Tenant.objects.get(pk=tenant.pk)
        charges = due_today(tenant, args.charges)
        if charges < args.charges:
            print(f"  NOTE: only {charges} pending rows to charge (asked for {args.charges})")
        raw_charge = stack.run_phase(__file__, "raw_charge", tenant=tenant.id, count=charges)
        print(f"  raw sandbox charges: {charges:,} in {raw_charge['seconds']:.1f} s", flush=True)
        charge = stack.run_phase(__file__, "charge", tenant=tenant.id)
        print(f"  charge_due: {charge['charged']:,} in {charge['seconds']:.1f} s, states {charge['states']}",
              flush=True)
        raw_charge2 = stack.run_phase(__file__, "raw_charge", tenant=tenant.id, count=charges)
        print(f"  raw sandbox charges again: {charges:,} in {raw_charge2['seconds']:.1f} s", flush=True)

        n_sched = sched["enrollments"]
        raw_rates = [rate(r["enrollments"], r["seconds"]) for r in (raw, raw2)]
        sched_rate, raw_rate = rate(n_sched, sched["seconds"]), sum(raw_rates) / 2
        raw_charge_rates = [rate(charges, r["seconds"]) for r in (raw_charge, raw_charge2)]
        charge_rate, raw_charge_rate = rate(charge["charged"], charge["seconds"]), sum(raw_charge_rates) / 2
        peak_mb = sched["peak_growth_kb"] / 1024
        met = {"schedule": sched_rate / raw_rate >= GOALS["schedule"], "memory": peak_mb < GOALS["memory_mb"],
               "charge": charge_rate / raw_charge_rate >= GOALS["charge"]}

        print()
        print(f"{database}{' + Redis' if stack.env.get('REDIS_URL') else ' + file broker'}; {os.cpu_count()} cores; "
              f"simulator ({args.years} years replayed per account) on loopback; sandbox provider")
        print(f"{'':46s} {'count':>8s} {'seconds':>8s} {'per s':>8s} {'of raw':>7s}  goal")
        for label, r, r_rate in (("before", raw, raw_rates[0]), ("after", raw2, raw_rates[1])):
            print(f"{'raw pipeline (reads + bulk_create), ' + label:46s} {r['enrollments']:8,d} "
                  f"{r['seconds']:8.1f} {r_rate:8.0f} {r_rate / raw_rate:7.0%}")
        print(f"{'schedule_payments':46s} {n_sched:8,d} {sched['seconds']:8.1f} {sched_rate:8.0f} "
              f"{sched_rate / raw_rate:7.0%}  >= 75 % {'met' if met['schedule'] else 'NOT met'}")
        print(f"{'  its peak memory (ru_maxrss growth)':46s} {'':8s} {'':8s} {peak_mb:7.0f}M {'':7s}  "
              f"< 300 MB {'met' if met['memory'] else 'NOT met'} (process peak {sched['peak_kb'] / 1024:.0f} MB)")
        for label, r, r_rate in (("before", raw_charge, raw_charge_rates[0]),
                                 ("after", raw_charge2, raw_charge_rates[1])):
            print(f"{'raw SandboxProvider.charge, ' + label:46s} {charges:8,d} {r['seconds']:8.1f} {r_rate:8.0f} "
                  f"{r_rate / raw_charge_rate:7.0%}")
        print(f"{'charge_due (re-read, checkout, charge, record)':46s} {charge['charged']:8,d} "
              f"{charge['seconds']:8.1f} {charge_rate:8.0f} {charge_rate / raw_charge_rate:7.0%}  "
              f">= 50 % {'met' if met['charge'] else 'NOT met'}")
        print(f"(whole run {time.perf_counter() - t0:.0f} s)", flush=True)

        if args.profile or not all(met.values()):
            profile(stack, tenant, args, schedule=args.profile or not (met["schedule"] and met["memory"]),
                    charge=args.profile or not met["charge"])
        purge_queue()
    finally:
        stack.close()


def profile(stack: Stack, tenant, args, *, schedule: bool, charge: bool) -> None:
    """cProfile of the AutoPay path on a slice, in a fresh process; the top costs printed."""
    from django.utils import timezone

    from autopay.models import Enrollment

    if schedule:
        n = min(args.profile_enrollments, args.enrollments)
        cutoff = (Enrollment.objects.filter(tenant=tenant).order_by("id").values_list("id", flat=True)[n - 1:n]
                  .first())
        clear_scheduling(tenant)
        Enrollment.objects.filter(tenant=tenant, id__gt=cutoff).update(ended_at=timezone.now())  # a slice
        out = stack.run_phase(__file__, "profile_schedule", tenant=tenant.id)
        print(f"\nProfile: schedule_payments over {out['enrollments']:,} enrollments, {out['seconds']:.1f} s")
        print(out["report"])
    if charge:
        n = due_today(tenant, args.profile_charges)
        out = stack.run_phase(__file__, "profile_charge", tenant=tenant.id)
        print(f"\nProfile: charge_due over {n:,} due payments, {out['seconds']:.1f} s")
        print(out["report"])


if __name__ == "__main__":
    main()
