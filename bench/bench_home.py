"""Utility Billing home and Bills and Payments vs a minimal Django view and the portal's bare view.

    .venv/bin/python bench/bench_home.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc REDIS_URL=redis://127.0.0.1:6379/1 .venv/bin/python bench/bench_home.py

Goals (issue 8), as shares of the minimal Django view's requests per second in the same run:
signed-in /bench/bare >= 50 %, Utility Billing home >= 15 %, Bills and Payments >= 10 %.
Also prints the bridge's account-summary calls per second.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stack, measure, report  # noqa: E402

# A signed-in session made the way a login makes it (engine and backend from the settings).
SETUP = """
from importlib import import_module
from django.conf import settings
from customers.models import User, Membership
from portal.models import Tenant
from customers.linking import link_account
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from portal.middleware import SESSION_TENANT_KEY
t = Tenant.objects.create(slug="bench", name="City of Bench", cows_url={url!r}, cows_api_key="bench-key")
u = User.objects.create_user(email="bench@example.org", password="x")
Membership.objects.create(tenant=t, user=u)
for s in {samples!r}:
    link_account(tenant=t, user=u, customer_number=s["customer_number"], last_name=s["last_name"])
s = import_module(settings.SESSION_ENGINE).SessionStore()
s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s[SESSION_TENANT_KEY] = t.id
s.create()
print(s.session_key)
"""

# Every linked account's history in the local copy; prints the first account's key and its row count.
WARM = """
from portal.models import Tenant
from billing.accounts.history import sync_history
t = Tenant.objects.get(slug="bench")
for link in t.linked_accounts.all():
    sync_history(tenant=t, account_key=link.account_key, full=True)
link = t.linked_accounts.first()
print(link.account_key, t.history_entries.filter(account_key=link.account_key).count())
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
        key, entries = stack.manage_py(WARM).split()
        bridge_rate = float(stack.manage_py(BRIDGE.format(numbers=[s["customer_number"] for s in stack.samples])))
        # A recent read (as after the customer's last visit): the pages must not wait on COWS for it.
        stack.manage_py(REFRESH)
        stack.start_web()
        headers = {"Host": "bench.localhost", "Cookie": f"sessionid={session}"}
        rates = measure({
            "minimal": (f"http://127.0.0.1:{stack.minimal_port}/bare", {}),
            "bare": (stack.base + "/bench/bare", headers),
            "home": (stack.base + "/utility/", headers),
            "history": (stack.base + f"/utility/accounts/{key}/history/", headers),
        })
        print(f"{len(stack.samples)} linked accounts; Bills and Payments of one with {entries} history rows")
        print(f"bridge account-summary calls/s (4 threads): {bridge_rate:.0f}")
        report(stack, rates["minimal"], rates["bare"], [
            ("Utility Billing home", rates["home"], 0.15),
            ("Bills and Payments (50 rows)", rates["history"], 0.10),
        ])
    finally:
        stack.close()


if __name__ == "__main__":
    main()
