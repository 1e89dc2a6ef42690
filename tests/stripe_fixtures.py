"""Pytest plugin: Stripe without the internet, through localstripe (a real process on a free port).

Load it with ``pytest_plugins = ["tests.stripe_fixtures"]``. It provides:

- ``localstripe_server`` (session): starts localstripe (``--port <free> --from-scratch``, see ``LAUNCH``),
  waits until it answers, stops it at session end (and with pytest, on Linux, if pytest dies).
- ``localstripe`` (function): the same handle, with ``settings.STRIPE_API_BASE`` and
  ``STRIPE_JS_URL`` pointed at it, and its data emptied before and after the test.
- ``stripe_riverton`` / ``stripe_lakeside`` (function): the city switched to Stripe with its own
  ``sk_test_``/``pk_test_`` keys and webhook secret (a ``StripeCity``, which can sign events).
- ``recorded_stripe`` (function): for what localstripe cannot do (ACH ``us_bank_account``), a tiny
  HTTP server answering with bodies recorded in Stripe's documented shapes (tests/billing/recorded/);
  the real SDK talks to it over a real socket.

localstripe keeps one store for every key (a test's cities share it) and pickles it after each
write to /tmp/localstripe.pickle, a path it does not let you change; ``--from-scratch`` never reads
that file back. So that the localstripe of each parallel test process (pytest-xdist) writes a file
of its own, the fixture starts it through ``LAUNCH``, which points that pickle into the server's
own folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
import stripe

from .sim_fixtures import die_with_parent, free_port

START_TIMEOUT = 20.0

# ``python -c LAUNCH <pickle path> --port N --from-scratch``: localstripe's own entry point, with its
# store pickled to the given path instead of the fixed /tmp/localstripe.pickle.
LAUNCH = """
import pickle, sys
from localstripe import resources, server
path = sys.argv.pop(1)
def dump_to_disk(store):
    with open(path, "wb") as f:
        pickle.dump(store, f, protocol=pickle.HIGHEST_PROTOCOL)
resources.Store.dump_to_disk = dump_to_disk
sys.exit(server.start())
"""


class LocalStripe:
    """Handle on a localstripe process: its addresses and a few direct calls for tests."""

    ADMIN_KEY = "sk_test_localstripe_admin"

    def __init__(self, port: int, log_path: Path):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.api_base = self.url
        self.js_url = f"{self.url}/js.stripe.com/v3/"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        pickle_path = self.log_path.with_name("localstripe.pickle")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(pickle_path), "--port", str(self.port),
                                          "--from-scratch"], stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         preexec_fn=die_with_parent if sys.platform.startswith("linux") else None)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if requests.get(self.js_url, timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"localstripe did not start on port {self.port}: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    # --- direct calls ------------------------------------------------------------------------

    def _auth(self, key: str | None = None) -> dict:
        return {"Authorization": f"Bearer {key or self.ADMIN_KEY}"}

    def flush(self) -> None:
        requests.delete(f"{self.url}/_config/data", timeout=5).raise_for_status()
        # Webhook registrations survive a flush: point the test's one at nothing.
        requests.post(f"{self.url}/_config/webhooks/test", json={"url": "http://127.0.0.1:9/", "secret": "none",
                                                                 "events": []}, timeout=5).raise_for_status()

    def register_webhook(self, url: str, secret: str, events: list[str]) -> None:
        requests.post(f"{self.url}/_config/webhooks/test", json={"url": url, "secret": secret, "events": events},
                      timeout=5).raise_for_status()

    def card(self, number: str = "4242424242424242", exp_month: int = 12, exp_year: int = 2030) -> str:
        """A PaymentMethod for a card, as Stripe.js makes it from the browser (the number never reaches us)."""
        response = requests.post(f"{self.url}/v1/payment_methods", headers=self._auth(), timeout=5, data={
            "type": "card", "card[number]": number, "card[exp_month]": exp_month, "card[exp_year]": exp_year,
            "card[cvc]": "123"})
        response.raise_for_status()
        return response.json()["id"]

    def get(self, path: str, **params) -> dict:
        response = requests.get(f"{self.url}{path}", headers=self._auth(), params=params, timeout=5)
        response.raise_for_status()
        return response.json()

    def payment_intents(self) -> list[dict]:
        return self.get("/v1/payment_intents", limit=100)["data"]

    def charges(self) -> list[dict]:
        return self.get("/v1/charges", limit=100)["data"]

    def authenticate(self, client_secret: str, publishable_key: str, success: bool = True) -> dict:
        """The customer's answer to 3-D Secure, as localstripe's Stripe.js sends it from the browser."""
        intent_id = client_secret.split("_secret_")[0]
        response = requests.post(f"{self.url}/v1/payment_intents/{intent_id}/_authenticate",
                                 params={"success": "true" if success else "false"}, timeout=5,
                                 data=json.dumps({"key": publishable_key, "client_secret": client_secret}))
        response.raise_for_status()
        return response.json()


RECORDED = Path(__file__).resolve().parent / "billing" / "recorded"


def recorded(name: str) -> dict:
    """A response body recorded in Stripe's documented shape (tests/billing/recorded/)."""
    return json.loads((RECORDED / f"{name}.json").read_text())


class RecordedStripe:
    """A tiny Stripe stand-in on a real socket: recorded JSON bodies for what localstripe cannot do.

    ``answer(method, path, body_or_function, status)`` sets a route; a function gets the request
    (method, path, headers, form) and returns the body. Every request is kept in ``requests``.
    """

    def __init__(self):
        self.routes: dict[tuple[str, str], tuple[object, int]] = {}
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                request = {"method": self.command, "path": path, "headers": dict(self.headers),
                           "form": dict(parse_qsl(raw or query, keep_blank_values=True))}
                with owner._lock:
                    owner.requests.append(request)
                body, status = owner.routes.get((self.command, path), (None, 404))
                if callable(body):
                    body = body(request)
                if body is None:
                    body = {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})."}}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_recorded")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, method: str, path: str, body, status: int = 200) -> None:
        self.routes[(method, path)] = (body, status)

    def made(self, method: str, path: str) -> list[dict]:
        return [r for r in self.requests if (r["method"], r["path"]) == (method, path)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorded_stripe(settings):
    """The portal talks to a RecordedStripe for this test."""
    server = RecordedStripe()
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_JS_URL = f"{server.url}/js.stripe.com/v3/"
    yield server
    server.close()


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory):
    server = LocalStripe(free_port(), tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def localstripe(localstripe_server, settings):
    """localstripe for this test: the portal talks to it, and it starts and ends empty."""
    if localstripe_server.proc is None or localstripe_server.proc.poll() is not None:
        localstripe_server.start()
    settings.STRIPE_API_BASE = localstripe_server.api_base
    settings.STRIPE_JS_URL = localstripe_server.js_url
    localstripe_server.flush()
    yield localstripe_server
    localstripe_server.flush()


@dataclass
class StripeCity:
    """A city set up for Stripe: its keys, and signing like Stripe's for its webhook endpoint."""

    tenant: object
    secret_key: str
    publishable_key: str
    webhook_secret: str

    def signature(self, payload: bytes, timestamp: int | None = None, secret: str | None = None) -> str:
        return stripe.WebhookSignature.generate_signature_header(payload.decode(), secret or self.webhook_secret,
                                                                 timestamp)


def configure_stripe(tenant) -> StripeCity:
    from billing.payments.models import PaymentSettings

    city = StripeCity(tenant=tenant, secret_key=f"sk_test_{tenant.slug}_secret",
                      publishable_key=f"pk_test_{tenant.slug}_public", webhook_secret=f"whsec_{tenant.slug}_hook")
    config, _ = PaymentSettings.objects.update_or_create(tenant=tenant, defaults={
        "provider": PaymentSettings.Provider.STRIPE, "stripe_secret_key": city.secret_key,
        "stripe_publishable_key": city.publishable_key, "stripe_webhook_secret": city.webhook_secret})
    tenant.payment_settings = config  # the tenant object in hand, too
    return city


@pytest.fixture
def stripe_riverton(riverton, localstripe) -> StripeCity:
    return configure_stripe(riverton.tenant)


@pytest.fixture
def stripe_lakeside(lakeside, localstripe) -> StripeCity:
    return configure_stripe(lakeside.tenant)
