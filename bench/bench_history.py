"""Bills and Payments (20 years of history, 50 rows a page) and Graphs vs a minimal Django view and the bare view.

    .venv/bin/python bench/bench_history.py

Goals, as shares of the minimal Django view's requests per second in the same run: Bills and Payments
>= 10 % (issue 8). Graphs has no goal of its own since issue 8 (issue 4 set one against the bare view).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_home import SETUP, WARM  # noqa: E402
from bench.common import Stack, measure, report  # noqa: E402


def main() -> None:
    stack = Stack(customers=40, years=20)
    try:
        session = stack.manage_py(SETUP.format(url=stack.office_url, samples=stack.samples[:1]))
        key, entries = stack.manage_py(WARM).split()
        stack.start_web()
        headers = {"Host": "bench.localhost", "Cookie": f"sessionid={session}"}
        rates = measure({
            "minimal": (f"http://127.0.0.1:{stack.minimal_port}/bare", {}),
            "bare": (stack.base + "/bench/bare", headers),
            "history": (stack.base + f"/utility/accounts/{key}/history/", headers),
            "graphs": (stack.base + f"/utility/accounts/{key}/graphs/", headers),
        })
        print(f"history rows for the account: {entries} (20 years)")
        report(stack, rates["minimal"], rates["bare"], [
            ("Bills and Payments (50 of the rows)", rates["history"], 0.10),
            ("Graphs", rates["graphs"], None),
        ])
    finally:
        stack.close()


if __name__ == "__main__":
    main()
