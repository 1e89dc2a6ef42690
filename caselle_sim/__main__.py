"""Command line: python -m caselle_sim {generate,serve,close-period,fault,attach-landlord,detach-landlord}."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from . import store


def _cmd_generate(args: argparse.Namespace) -> int:
    from .generate import GenerateOptions, generate

    try:
        out = generate(GenerateOptions(
            data_dir=Path(args.data), slug=args.office, name=args.name, api_key=args.api_key,
            customers=args.customers, seed=args.seed, time_zone=args.time_zone, years=args.years,
            today=date.fromisoformat(args.today) if args.today else None,
        ))
    except ValueError as e:
        print(f"caselle_sim generate: {e}", file=sys.stderr)
        return 2
    print(json.dumps(out), flush=True)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from .server import serve

    return serve(Path(args.data), args.host, args.port, args.control_key, quiet=args.quiet)


def _with_office(args: argparse.Namespace, action) -> int:  # type: ignore[no-untyped-def]
    try:
        conn = store.open_office_db(Path(args.data), args.office)
        try:
            out = action(conn)
        finally:
            conn.close()
    except store.StoreError as e:
        print(f"caselle_sim: {e.message}", file=sys.stderr)
        return 2
    print(json.dumps(out), flush=True)
    return 0


def _cmd_close_period(args: argparse.Namespace) -> int:
    def action(conn):  # type: ignore[no-untyped-def]
        closed, opened = store.close_period(conn, store.load_office(conn), force=args.force)
        return {"closed": closed.to_json(), "open": opened.to_json()}

    return _with_office(args, action)


def _cmd_attach(args: argparse.Namespace) -> int:
    return _with_office(args, lambda conn: store.attach_landlord(conn, args.landlord, args.customer))


def _cmd_detach(args: argparse.Namespace) -> int:
    return _with_office(args, lambda conn: store.detach_landlord(conn, args.landlord, args.customer))


def _cmd_fault(args: argparse.Namespace) -> int:
    url = args.url.rstrip("/") + "/_control/faults"
    if args.mode == "clear":
        req = urllib.request.Request(url, method="DELETE")
    else:
        rule: dict[str, object] = {"mode": args.mode, "operation": args.operation}
        if args.delay is not None:
            rule["delay"] = args.delay
        if args.status is not None:
            rule["status"] = args.status
        if args.times is not None:
            rule["times"] = args.times
        if args.office:
            rule["office"] = args.office
        if args.variant:
            rule["variant"] = args.variant
        if args.field:
            rule["field"] = args.field
        req = urllib.request.Request(url, data=json.dumps(rule).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    req.add_header("X-Control-Key", args.control_key)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            print(resp.read().decode(), flush=True)
    except urllib.error.HTTPError as e:
        print(f"caselle_sim fault: HTTP {e.code}: {e.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    except urllib.error.URLError as e:
        print(f"caselle_sim fault: {e.reason}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m caselle_sim",
                                     description="A simulator of a Caselle office and its web service (COWS).")
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="create or replace an office in the datastore")
    g.add_argument("--data", required=True, help="datastore directory")
    g.add_argument("--office", required=True, help="office slug, e.g. riverton")
    g.add_argument("--name", required=True, help='office name, e.g. "City of Riverton"')
    g.add_argument("--api-key", required=True)
    g.add_argument("--customers", type=int, required=True)
    g.add_argument("--seed", type=int, required=True)
    g.add_argument("--time-zone", default="America/Denver")
    g.add_argument("--years", type=int, default=3, help="years of closed monthly periods")
    g.add_argument("--today", help="YYYY-MM-DD (default: today in the office's time zone)")
    g.set_defaults(func=_cmd_generate)

    s = sub.add_parser("serve", help="serve every office in the datastore over HTTP")
    s.add_argument("--data", required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--control-key", help="enables the /_control API with this X-Control-Key")
    s.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    s.set_defaults(func=_cmd_serve)

    c = sub.add_parser("close-period", help="close the office's open billing period (once it has ended)")
    c.add_argument("--data", required=True)
    c.add_argument("--office", required=True)
    c.add_argument("--force", action="store_true",
                   help="close it even though it has not ended yet (for tests); otherwise a period "
                        "may be closed from the day after its end")
    c.set_defaults(func=_cmd_close_period)

    f = sub.add_parser("fault", help="add or clear a fault rule on a running server")
    f.add_argument("--url", required=True)
    f.add_argument("--control-key", required=True)
    f.add_argument("--mode", required=True, choices=["error", "hang", "slow", "drop_after_commit", "malformed", "clear"])
    f.add_argument("--variant", help="for malformed: not_json, truncated, missing_field, wrong_type, wrong_shape")
    f.add_argument("--field", help="for malformed missing_field: the field to leave out")
    f.add_argument("--operation", default="*")
    f.add_argument("--office")
    f.add_argument("--delay", type=float)
    f.add_argument("--status", type=int)
    f.add_argument("--times", type=int)
    f.set_defaults(func=_cmd_fault)

    for name, func, verb in (("attach-landlord", _cmd_attach, "attach"), ("detach-landlord", _cmd_detach, "detach")):
        a = sub.add_parser(name, help=f"{verb} a customer account to/from a landlord or cosigner")
        a.add_argument("--data", required=True)
        a.add_argument("--office", required=True)
        a.add_argument("--landlord", type=int, required=True)
        a.add_argument("--customer", required=True, help="customer number")
        a.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
