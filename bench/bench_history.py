"""Bills and Payments (20 years of history, 50 rows a page) and Graphs vs a bare Django view.

    .venv/bin/python bench/bench_history.py

Goals (issue 4): Bills and Payments >= 12 % of the bare view's requests per second, Graphs >= 20 %.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_home import SETUP  # noqa: E402
from bench.common import Stack, wrk  # noqa: E402

WARM = """
from portal.models import Tenant
from billing.accounts.history import sync_history
t = Tenant.objects.get(slug="bench")
for link in t.linked_accounts.all():
    sync_history(tenant=t, account_key=link.account_key, full=True)
link = t.linked_accounts.first()
print(link.account_key, t.history_entries.filter(account_key=link.account_key).count())
"""


def main() -> None:
    stack = Stack(customers=40, years=20)
    try:
        session = stack.manage_py(SETUP.format(url=stack.office_url, samples=stack.samples[:1]))
        key, entries = stack.manage_py(WARM).split()
        stack.start_web()
        base = f"http://127.0.0.1:{stack.web_port}"
        headers = {"Host": "bench.localhost", "Cookie": f"sessionid={session}"}
        bare = wrk(base + "/bench/bare", headers)
        history = wrk(base + f"/utility/accounts/{key}/history/", headers)
        graphs = wrk(base + f"/utility/accounts/{key}/graphs/", headers)
        print(f"history rows for the account: {entries} (20 years)")
        print(f"bare Django view req/s:          {bare:8.0f}")
        print(f"Bills and Payments req/s:        {history:8.0f}  ({history / bare:.0%} of bare; goal >= 12%)")
        print(f"Graphs req/s:                    {graphs:8.0f}  ({graphs / bare:.0%} of bare; goal >= 20%)")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
