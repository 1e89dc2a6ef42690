"""Office screens at a city's size: Overview, Portal Users, Failed link attempts, Audit log, Completed Payments
and an Excel export, vs a minimal Django view; and each page's queries at two data sizes.

    .venv/bin/python bench/bench_office.py [--accounts 5000] [--attempts 20000] [--audit 50000] [--payments 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cc .venv/bin/python bench/bench_office.py
    .venv/bin/python bench/bench_office.py --profile payments   # where one page's time goes (cProfile, in process)

In one run on one machine, two portals side by side, each on a throwaway database of its own (SQLite
under a temp VAR_DIR, or a fresh PostgreSQL database beside DATABASE_URL's, dropped afterwards) and
each with a small simulator office (these pages never ask COWS):

  1. In each, a process bulk-makes the city (bulk_create, as bench_autopay does): in one a tenth of
     the sizes, in the other the full sizes. Portal users, each a member with one linked account and
     Caselle's snapshot of it (the holder's name, paperless or not); link attempts over a year,
     three in four failed; audit entries of four office admins over two years; payments of the last
     year with one or two utility items each, in the states checkout and posting leave them (posted
     mostly; received and waiting, failed, charging, never submitted). The office admin has an
     authenticator app (allauth's TOTP, as tests/factories.give_totp makes it) and a session made with
     the test client's force_login, as the other benches' logins. The process asks for each page
     twice and counts the second (warm) request's queries.
  2. Both portals and the minimal site run in gunicorn (DEBUG off, the same worker count). wrk
     measures every page of both cities in turns, each page at both sizes one after the other, with
     the minimal view and the signed-in bare view. A page's share of the minimal view is taken in
     each turn, and so is its rate with the full rows over its rate with a tenth (measured one
     after the other); the medians over the turns are reported, the latter with its range (on a
     shared machine a range wider than about 70-130 % says the turns were disturbed). The export
     (every portal user, one workbook a request) is measured with one connection per worker and
     reported as rows written per second.

The minimal site's `/table` (bench/minimal_site.py: 50 rows of five columns from memory, Django templates) is
printed beside them as a yardstick: what any 50-row Django page costs before a query, a menu or a filter form.

Goals (set before the first run): each page with the full rows >= 25 % of the minimal Django view's
requests per second and >= 80 % of its own rate with a tenth of the rows; the export's rows/s >=
the minimal view's requests/s (a row costs no more than a bare request); every page's query count
the same at both sizes. Nothing here is a test; it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stack, wrk  # noqa: E402
from bench.office_city import grow, make_city, person  # noqa: E402

HOST = "bench.localhost"
LIST_GOAL = 0.25
EXPORT_GOAL = 1.00
SIZE_GOAL = 0.80


def setup_django(stack: Stack) -> None:
    """This process becomes a portal process on the stack's database (settings read VAR_DIR once), DEBUG off as
    the served portal runs."""
    os.environ.update(stack.env, DJANGO_DEBUG="false")
    import django

    django.setup()


def pages() -> dict[str, tuple[str, str]]:
    """name: (label, path with its query string)."""
    from django.urls import reverse

    def url(name, query=""):
        return reverse(f"adminpanel:{name}") + (f"?{query}" if query else "")

    word = person(0)[1].split()[0].lower()  # a last name (and others') in the city at both sizes

    return {
        "overview": ("Overview", url("overview")),
        "users": ("Portal Users", url("portal_users")),
        "users_search": (f"Portal Users, search '{word}'", url("portal_users", f"q={word}")),
        "attempts": ("Failed link attempts", url("link_attempts")),
        "audit": ("Audit log", url("audit")),
        "audit_filter": ("Audit log, one action", url("audit", "action=portal_user.unlink")),
        "payments": ("Completed Payments", url("payments")),
        "export": ("Portal Users export (all rows)", url("portal_users_export")),
    }


def signed_in_client(tenant, admin):
    from django.test import Client

    from portal.middleware import SESSION_TENANT_KEY

    client = Client(HTTP_HOST=HOST)
    client.force_login(admin)
    session = client.session
    session[SESSION_TENANT_KEY] = tenant.id
    session.save()
    return client


def count_queries(client, paths: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Each page's queries on a warm request (the session, the user and the city already cached)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, (_label, path) in paths.items():
        first = client.get(path)
        assert first.status_code == 200, (path, first.status_code, first.content[:300])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
            if name == "export":
                b"".join(response.streaming_content)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(captured.captured_queries)
    return counts


def check_answers(targets: dict[str, tuple[str, dict[str, str]]]) -> None:
    """Each page answers 200 to the benchmark's session (wrk does not count a redirect to sign-in as an error)."""
    import requests

    for name, (url, headers) in targets.items():
        response = requests.get(url, headers=headers, allow_redirects=False, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {url} answered {response.status_code} {response.headers.get('Location', '')}")


def profile(client, path: str, requests: int, sort: str = "cumulative", lines: int = 40) -> None:
    """cProfile of `requests` warm requests of one page in this process; its top costs (`sort`: pstats order)."""
    import cProfile
    import pstats

    client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    profiler.disable()
    print(f"{path}: {(time.perf_counter() - started) / requests * 1000:.1f} ms a request in process (profiled)")
    pstats.Stats(profiler).sort_stats(sort).print_stats(lines)


def measure_shares(targets: dict, rounds: int, seconds: int) -> tuple[dict, dict, dict]:
    """Requests/second of each target in turns (as bench.common.measure); each one's share of the minimal view
    measured in the same turn; and each page's rate with the full rows over its rate with a tenth, measured one
    after the other. Medians over the turns (the last as (median, lowest, highest)): a busy minute cancels out."""
    rates: dict = {name: [] for name in targets}
    shares: dict = {name: [] for name in targets}
    for _ in range(rounds):
        turn = {name: wrk(url, headers, seconds=seconds, runs=1) for name, (url, headers) in targets.items()}
        for name, rate in turn.items():
            rates[name].append(rate)
            shares[name].append(rate / turn["minimal"])
    kept = {name: [full / tenth for full, tenth in zip(rates[name, "full"], rates[name, "tenth"])]
            for name, size in (key for key in targets if isinstance(key, tuple)) if size == "full"}
    return ({name: statistics.median(v) for name, v in rates.items()},
            {name: statistics.median(v) for name, v in shares.items()},
            {name: (statistics.median(v), min(v), max(v)) for name, v in kept.items()})



def child(phase: str, params: dict) -> None:
    """make: the city at `fraction` of `sizes`, each page's queries counted; prints the session, paths, counts."""
    import django

    os.environ["DJANGO_DEBUG"] = "false"
    django.setup()
    tenant, admins = make_city(params["cows_url"])
    grow(tenant, admins, params["sizes"], 0, params["fraction"])
    client = signed_in_client(tenant, admins[0])
    paths = pages()
    print(json.dumps({"session": client.cookies["sessionid"].value, "paths": paths,
                      "queries": count_queries(client, paths)}))


def report(backend: str, workers: int, sizes, made: dict, rates, shares, kept, export) -> None:
    """Each page at both sizes: requests/second, share of the minimal view, queries; and the goals."""
    tenth, full = "tenth", "full"
    paths = made[full]["paths"]
    print(f"\n{backend}; {os.cpu_count()} cores; gunicorn sync, {workers} workers each; wrk -t2 -c16 "
          f"(export: -c{workers}); two portals measured in the same turns: one city with a tenth of the rows, "
          f"one with " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
    print(f"{'':32s} {'req/s':>15s} {'of minimal':>13s} {'full/tenth (range)':>18s} {'queries':>8s}  goals")
    print(f"{'minimal Django view':32s} {'':>7s} {rates['minimal']:7.0f} {'':>6s} {1:6.0%}")
    print(f"{'minimal 50-row table (yardstick)':32s} {'':>7s} {rates['table']:7.0f} {'':>6s} "
          f"{rates['table'] / rates['minimal']:6.1%}")
    print(f"{'signed-in /bench/bare':32s} {rates['bare', tenth]:7.0f} {rates['bare', full]:7.0f} "
          f"{shares['bare', tenth]:6.0%} {shares['bare', full]:6.0%} {_kept(kept['bare'])}")
    met_all = True
    for name, (label, _path) in paths.items():
        q = f"{made[tenth]['queries'][name]}->{made[full]['queries'][name]}"
        same = made[tenth]["queries"][name] == made[full]["queries"][name]
        if name == "export":
            rows = {tenth: sizes["accounts"] // 10, full: sizes["accounts"]}
            share = {k: export[k] * rows[k] / rates["minimal"] for k in (tenth, full)}
            met = share[full] >= EXPORT_GOAL and same
            print(f"{label:32s} {export[tenth]:7.2f} {export[full]:7.2f} {'':>13s} {'':>18s} {q:>8s}  "
                  f"{export[tenth] * rows[tenth]:,.0f} and {export[full] * rows[full]:,.0f} rows/s = "
                  f"{share[tenth]:.0%}, {share[full]:.0%} of minimal: {'met' if met else 'NOT met'}")
        else:
            a, b = shares[name, tenth], shares[name, full]
            met = b >= LIST_GOAL and kept[name][0] >= SIZE_GOAL and same
            print(f"{label:32s} {rates[name, tenth]:7.0f} {rates[name, full]:7.0f} {a:6.1%} {b:6.1%} "
                  f"{_kept(kept[name])} {q:>8s}  {'met' if met else 'NOT met'}"
                  + ("" if kept[name][0] >= SIZE_GOAL else " (slower with the rows)")
                  + f"; {rates[name, full] / rates['table']:.0%} of the 50-row table")
        met_all = met_all and met
    print(f"goals: each page >= {LIST_GOAL:.0%} of the minimal view with the full rows and >= {SIZE_GOAL:.0%} of its "
          f"rate with a tenth; the export's rows/s >= {EXPORT_GOAL:.0%} of the minimal's requests/s; queries the "
          f"same at both sizes (warm requests): {'all met' if met_all else 'NOT all met'}")


def _kept(figures: tuple[float, float, float]) -> str:
    median, low, high = figures
    return f"{median:6.0%} ({low:.0%}-{high:.0%})".rjust(18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=5_000, help="portal users, one linked account each")
    parser.add_argument("--attempts", type=int, default=20_000, help="link attempts (three in four failed)")
    parser.add_argument("--audit", type=int, default=50_000, help="audit log entries")
    parser.add_argument("--payments", type=int, default=20_000, help="payments (about one in six with two items)")
    parser.add_argument("--rounds", type=int, default=7, help="turns of wrk over every page")
    parser.add_argument("--seconds", type=int, default=3, help="seconds of wrk on a page in a turn")
    parser.add_argument("--profile", metavar="PAGE", help="profile one page in process with the full rows and stop "
                        "(overview, users, users_search, attempts, audit, audit_filter, payments, export)")
    parser.add_argument("--profile-requests", type=int, default=100)
    parser.add_argument("--profile-sort", default="cumulative", help="pstats order: cumulative, tottime, ...")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, json.loads(args.params))
    sizes = {"accounts": args.accounts, "attempts": args.attempts, "audit": args.audit, "payments": args.payments}

    t0 = time.perf_counter()
    if args.profile:
        stack = Stack(customers=40, years=1)
        try:
            setup_django(stack)
            tenant, admins = make_city(stack.office_url)
            grow(tenant, admins, sizes, 0, 1)
            client = signed_in_client(tenant, admins[0])
            return profile(client, pages()[args.profile][1], args.profile_requests, args.profile_sort)
        finally:
            stack.close()

    # Two portals, each on a throwaway database of its own: the same city at a tenth and at the full size.
    # These pages never ask COWS: a small simulator office is only configured.
    stacks = {size: Stack(customers=40, years=1, tag=size) for size in ("tenth", "full")}
    try:
        made = {size: stack.run_phase(__file__, "make", cows_url=stack.office_url, sizes=sizes,
                                fraction=0.1 if size == "tenth" else 1.0) for size, stack in stacks.items()}
        backend = stacks["full"].backend
        print(f"{backend}: both cities made in {time.perf_counter() - t0:.0f} s; measuring", flush=True)
        for stack in stacks.values():
            stack.start_web()
        workers = stacks["full"].workers
        minimal_site = f"http://127.0.0.1:{stacks['full'].minimal_port}"
        targets = {"minimal": (minimal_site + "/bare", {}), "table": (minimal_site + "/table", {})}
        headers = {size: {"Host": HOST, "Cookie": f"sessionid={made[size]['session']}"} for size in stacks}
        for name in ["bare", *made["full"]["paths"]]:  # each page at both sizes one after the other
            for size, stack in stacks.items():
                if name != "export":
                    path = "/bench/bare" if name == "bare" else made[size]["paths"][name][1]
                    targets[name, size] = (stack.base + path, headers[size])
        exports = {size: (stack.base + made[size]["paths"]["export"][1], headers[size])
                   for size, stack in stacks.items()}
        check_answers({**targets, **{("export", size): target for size, target in exports.items()}})
        for url, h in [*targets.values(), *exports.values()]:  # every worker has compiled its templates
            wrk(url, h, seconds=1, connections=workers * 2, runs=1)
        rates, shares, kept = measure_shares(targets, rounds=args.rounds, seconds=args.seconds)
        # An export takes a good part of a second: one connection per worker, so none waits past wrk's timeout.
        export = {size: statistics.median(wrk(url, h, seconds=6, connections=workers, runs=1)
                                          for _ in range(args.rounds)) for size, (url, h) in exports.items()}
        report(backend, workers, sizes, made, rates, shares, kept, export)
    finally:
        for stack in stacks.values():
            stack.close()


if __name__ == "__main__":
    main()
