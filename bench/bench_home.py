"""Utility Billing home vs a bare Django view, and the bridge's account-summary calls per second.

    .venv/bin/python bench/bench_home.py

Goal (issue 3): the home page at >= 25 % of the bare view's requests per second.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stack, wrk  # noqa: E402

SETUP = """
from customers.models import User, Membership
from portal.models import Tenant
from customers.linking import link_account
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from portal.middleware import SESSION_TENANT_KEY
t = Tenant.objects.create(slug="bench", name="City of Bench", cows_url={url!r}, cows_api_key="bench-key")
u = User.objects.create_user(email="bench@example.org", password="x")
Membership.objects.create(tenant=t, user=u)
for s in {samples!r}:
    link_account(tenant=t, user=u, customer_number=s["customer_number"], last_name=s["last_name"])
s = SessionStore()
s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s[SESSION_TENANT_KEY] = t.id
s.create()
print(s.session_key)
"""

REFRESH = """
from billing.accounts.models import AccountSnapshot
from django.utils import timezone
AccountSnapshot.objects.update(fetched_at=timezone.now())
"""

BRIDGE = """
import threading, time
from portal.models import Tenant
from cows_bridge import client
t = Tenant.objects.get(slug="bench")
numbers = {numbers!r}
count = [0]
stop = time.monotonic() + 4
def work():
    i = 0
    while time.monotonic() < stop:
        client.get_account(t, numbers[i % len(numbers)]); i += 1
    count.append(i)
threads = [threading.Thread(target=work) for _ in range(4)]
[th.start() for th in threads]; [th.join() for th in threads]
print(sum(count[1:]) / 4)
"""


def main() -> None:
    stack = Stack()
    try:
        session = stack.manage_py(SETUP.format(url=stack.office_url, samples=stack.samples))
        bridge_rate = float(stack.manage_py(BRIDGE.format(numbers=[s["customer_number"] for s in stack.samples])))
        stack.start_web()
        base = f"http://127.0.0.1:{stack.web_port}"
        headers = {"Host": "bench.localhost", "Cookie": f"sessionid={session}"}
        bare = wrk(base + "/bench/bare", headers)
        # A recent read (as after the customer's last visit): the page must not wait on COWS for it.
        stack.manage_py(REFRESH)
        home = wrk(base + "/utility/", headers)
        print(f"bridge account-summary calls/s (4 threads): {bridge_rate:8.0f}")
        print(f"bare Django view req/s:                     {bare:8.0f}")
        print(f"Utility Billing home req/s:                 {home:8.0f}  ({home / bare:.0%} of bare; goal >= 25%)")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
