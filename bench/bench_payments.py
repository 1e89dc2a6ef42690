"""Paying and posting: checkouts per second, and how fast a backlog of payments reaches Caselle.

    .venv/bin/python bench/bench_payments.py [--count 1000] [--views 200]

In one run on one machine (real simulator process, a throwaway SQLite database under a temp
VAR_DIR, the sandbox provider):

  (a) checkouts per second: start_checkout + confirm_payment in one process (the charge, the
      outbox mark, the posting task enqueued, the receipt email), and through the views with
      Django's test client (token, pay page, Pay, the confirmation page: four requests);
  (b) how long `count` pending payments take to post once COWS is back: Retry Now's
      post_due_items(force=True) in one process (claims in batches, receipts recorded together),
      and a real Celery worker draining one posting task per payment;
  (c) the simulator's raw receipt-post rate (requests.Session, the same count, one thread),
      and the ratio of (b) to (c): what the outbox costs over the bare HTTP posts.

Nothing here is a test; it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, Stack  # noqa: E402

HOST = "bench.localhost"


def setup_django(stack: Stack) -> None:
    """This process becomes a portal process on the stack's database (settings read VAR_DIR once)."""
    os.environ.update(stack.env)
    import django

    django.setup()


def make_city(stack: Stack):
    from customers.linking import link_account
    from customers.models import Membership, User
    from portal.models import Tenant

    tenant = Tenant.objects.create(slug="bench", name="City of Bench", cows_url=stack.office_url,
                                   cows_api_key="bench-key")
    user = User.objects.create_user(email="bench@example.org", password="x")
    Membership.objects.create(tenant=tenant, user=user)
    for s in stack.samples:
        link_account(tenant=tenant, user=user, customer_number=s["customer_number"], last_name=s["last_name"])
    return tenant, user


def sandbox_token(client, number: str = "4242424242424242") -> str:
    response = client.post("/sandboxpay/tokens", data=json.dumps(
        {"kind": "card", "number": number, "exp_month": "12", "exp_year": "30", "cvc": "123"}),
        content_type="application/json", HTTP_HOST=HOST)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def domain_checkouts(tenant, user, summaries, token: str, count: int) -> float:
    """`count` payments through the domain functions; returns seconds."""
    from billing.payments import checkout
    from billing.payments.checkout import ItemSpec, MethodSpec
    from billing.payments.models import Payment, PaymentItem

    started = time.perf_counter()
    for n in range(count):
        summary = summaries[n % len(summaries)]
        item = ItemSpec(kind=PaymentItem.Kind.UTILITY, amount=Decimal("10.00") + n % 50, account_key=summary.key,
                        customer_number=summary.customer_number, summary=summary)
        payment = checkout.start_checkout(tenant=tenant, items=[item], method=MethodSpec(token=token), user=user)
        payment = checkout.confirm_payment(payment=payment)
        assert payment.state == Payment.State.CHARGED, payment
    return time.perf_counter() - started


def view_checkouts(tenant, user, summaries, count: int) -> float:
    """`count` payments as a browser makes them: token, pay page, Pay, confirmation page."""
    import re

    from django.test import Client

    from portal.middleware import SESSION_TENANT_KEY

    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    session = client.session
    session[SESSION_TENANT_KEY] = tenant.id
    session.save()
    started = time.perf_counter()
    for n in range(count):
        key = summaries[n % len(summaries)].key
        token = sandbox_token(client)
        response = client.post(f"/pay/utility/{key}/", {"amount": f"{10 + n % 50}.00", "method": "new-card",
                                                         "new_token": token, "action": "pay"})
        assert response.status_code == 302, response.content[-500:]
        reference = re.search(r"/pay/([A-Z0-9]+)/confirm/", response["Location"]).group(1)
        assert client.post(f"/pay/{reference}/confirm/").status_code == 302
        assert client.get(f"/pay/{reference}/").status_code == 200
    return time.perf_counter() - started


def purge_broker() -> None:
    import logging

    from portal.celery import app

    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # "No hostname was supplied" (filesystem)
    app.control.purge()


def waiting_count(tenant) -> int:
    from billing.payments.models import PaymentItem

    return tenant.payment_items.filter(post_state=PaymentItem.PostState.WAITING).count()


def post_backlog_in_process(tenant) -> tuple[float, int]:
    """Retry Now: post every waiting item at once; returns (seconds, receipts posted)."""
    from billing.payments import posting

    posted = 0
    started = time.perf_counter()
    while True:
        counts = posting.post_due_items(tenant=tenant, force=True)
        if not counts:
            break
        assert set(counts) == {"posted"}, counts
        posted += counts["posted"]
    return time.perf_counter() - started, posted


def post_backlog_with_worker(stack: Stack, tenant) -> tuple[float, int]:
    """A real worker drains the queued posting tasks (one per payment); timed from its "ready." line."""
    before = waiting_count(tenant)
    worker = stack.spawn([PY, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "INFO",
                          "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", "bench@%h"], "worker")
    log = stack.dir / "worker.log"
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the worker did not start:\n" + log.read_text(errors="replace")[-2000:])
        time.sleep(0.05)
    started = time.perf_counter()
    while waiting_count(tenant):
        if time.perf_counter() - started > 600:
            raise RuntimeError("the worker did not drain the backlog in 10 minutes")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    worker.terminate()
    worker.wait(timeout=30)
    return elapsed, before


def raw_posts(stack: Stack, summaries, count: int) -> float:
    """The simulator alone: `count` receipts posted straight over HTTP, one thread, one keep-alive session."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = "Bearer bench-key"
    url = stack.office_url + "/receipts"
    started = time.perf_counter()
    for n in range(count):
        body = {"reference": f"RAW{n:07d}", "kind": "utility", "amount": f"{10 + n % 50}.00", "method": "card",
                "customer_number": summaries[n % len(summaries)].customer_number,
                "paid_at": "2026-11-26T09:15:00+00:00"}
        response = session.post(url, json=body, timeout=10)
        assert response.status_code == 201, response.text
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="payments in each backlog and raw posts")
    parser.add_argument("--views", type=int, default=200, help="checkouts through the views")
    args = parser.parse_args()

    stack = Stack(customers=300)
    try:
        setup_django(stack)
        from django.test import Client

        from cows_bridge import client as cows

        tenant, user = make_city(stack)
        summaries = [cows.get_account(tenant, s["customer_number"]) for s in stack.samples]
        token = sandbox_token(Client())  # a wallet-like reusable sandbox token

        purge_broker()
        domain_s = domain_checkouts(tenant, user, summaries, token, args.count)
        purge_broker()  # the backlog: charged, waiting, and no posting task left (COWS was down)
        assert waiting_count(tenant) == args.count
        retry_s, retry_n = post_backlog_in_process(tenant)
        assert retry_n == args.count and waiting_count(tenant) == 0

        raw_s = raw_posts(stack, summaries, args.count)

        views_s = view_checkouts(tenant, user, summaries, args.views)
        purge_broker()
        post_backlog_in_process(tenant)

        # The worker's path: a fresh backlog, each payment with its queued posting task.
        second_s = domain_checkouts(tenant, user, summaries, token, args.count)
        worker_s, worker_n = post_backlog_with_worker(stack, tenant)
        assert worker_n == args.count

        n = args.count
        from django.db import connection

        database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        print(f"machine: {os.cpu_count()} cores; {database}; sandbox provider; simulator on loopback")
        print(f"(a) checkouts/s, domain functions (1 process):   {n / domain_s:8.1f}   "
              f"({domain_s / n * 1000:.1f} ms each; second run {n / second_s:.1f}/s)")
        print(f"(a) checkouts/s, views via test client (4 req):  {args.views / views_s:8.1f}   "
              f"({views_s / args.views * 1000:.1f} ms each)")
        print(f"(b) {n} pending payments posted, Retry Now (post_due_items force, 1 process): {retry_s:6.2f} s "
              f"({n / retry_s:.0f}/s)")
        print(f"(b) {n} pending payments posted, Celery worker (1 task each, solo pool):       {worker_s:6.2f} s "
              f"({n / worker_s:.0f}/s)")
        print(f"(c) {n} raw receipt posts to the simulator (requests.Session, 1 thread):       {raw_s:6.2f} s "
              f"({n / raw_s:.0f}/s)")
        print(f"ratio (b)/(c): Retry Now {retry_s / raw_s:.2f}x the raw posts; worker {worker_s / raw_s:.2f}x")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
