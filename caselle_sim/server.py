"""The HTTP server: stdlib ThreadingHTTPServer around ``api.App``.

A thread per connection (keep-alive), a SQLite connection per thread (store.ConnectionCache).
SIGTERM/SIGINT stop accepting, wake any request held by a hang/slow fault (it is dropped),
give in-flight requests a moment to finish, and exit 0.
"""

from __future__ import annotations

import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from . import __version__, pdf
from .api import DROP, App, Request, error_response


class SimServer(ThreadingHTTPServer):
    daemon_threads = True  # a request stuck in a hang fault must not keep the process alive
    # server_close() would otherwise join every connection thread, including idle keep-alive
    # ones; serve() waits for in-flight requests itself instead.
    block_on_close = False
    allow_reuse_address = True  # restart on the same port right after a stop
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, quiet: bool = False) -> None:
        self.app = app
        self.quiet = quiet
        super().__init__(address, RequestHandler)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = f"caselle_sim/{__version__}"
    timeout = 300  # idle keep-alive connections are closed after this
    server: SimServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK adds ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (e.g. it timed out during a hang fault)

    def _serve(self) -> None:
        started = time.monotonic()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > 1_000_000:
            self._write(error_response(400, "bad_request", "invalid Content-Length"))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        req = Request(self.command, self.path, self.headers, body)
        resp = self.server.app.dispatch(req)
        if resp is DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._log("dropped", started)
            return
        self._write(resp)
        self._log(str(resp.status), started)

    def _write(self, resp) -> None:  # type: ignore[no-untyped-def]
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        self.wfile.write(resp.body)

    def _log(self, outcome: str, started: float) -> None:
        if not self.server.quiet:
            ms = (time.monotonic() - started) * 1000
            sys.stderr.write(f"{self.command} {self.path} {outcome} {ms:.0f}ms\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # Requests are logged by _log; this only carries the stdlib's own error notes.
        if not self.server.quiet:
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def serve(data_dir: Path, host: str, port: int, control_key: str | None, quiet: bool = False) -> int:
    app = App(data_dir, control_key)
    try:
        server = SimServer((host, port), app, quiet=quiet)
    except OSError as e:
        print(f"caselle_sim serve: cannot listen on {host}:{port}: {e}", file=sys.stderr, flush=True)
        return 1
    threading.Thread(target=pdf.warm_up, name="weasyprint-warm-up", daemon=True).start()
    loop = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    loop.start()

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    shown_host = host if ":" not in host else f"[{host}]"
    print(f"caselle_sim listening on http://{shown_host}:{server.server_address[1]}", flush=True)
    while not stop.wait(0.5):
        pass
    app.shutting_down.set()
    server.shutdown()
    server.server_close()
    deadline = time.monotonic() + 5
    while app.active_requests and time.monotonic() < deadline:
        time.sleep(0.05)
    print("caselle_sim stopped", flush=True)
    return 0
