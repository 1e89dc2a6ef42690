"""A real SMTP server for tests whose behaviour depends on SMTP (aiosmtpd, on a free port of 127.0.0.1).

    def test_x(smtp_sink):
        ...                       # the portal's mail now goes over SMTP to the sink
        smtp_sink.wait_for(2)     # two messages accepted
        smtp_sink.messages()      # parsed email.message.EmailMessage objects

Worker processes started after the fixture (celery_workers) send to the sink too: it sets EMAIL_HOST
and EMAIL_PORT in the environment they inherit. `refuse(code, times)` answers the next DATA commands
with that code (451: try later; 550: refused) to drill retries and failures.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller


class Sink:
    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []
        self._lock = threading.Lock()
        self._refusals: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self._refusals:
                return self._refusals.pop(0)
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def refuse(self, code: int, times: int = 1) -> None:
        text = "Try again later" if code < 500 else "Mailbox unavailable"
        with self._lock:
            self._refusals.extend([f"{code} {text}"] * times)

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def messages(self) -> list[email.message.EmailMessage]:
        with self._lock:
            raw = [content for _, _, content in self.received]
        return [email.message_from_bytes(content, policy=email.policy.default) for content in raw]

    def recipients(self) -> list[str]:
        with self._lock:
            return [rcpt for _, rcpts, _ in self.received for rcpt in rcpts]

    def wait_for(self, n: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= n:
                return
            time.sleep(0.05)
        pytest.fail(f"the SMTP sink received {self.count()} messages, not {n}, within {timeout} s")


@pytest.fixture
def smtp_sink(settings, monkeypatch):
    """A running SMTP server that the portal (this process, and workers started later) sends to."""
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port, data_size_limit=40 * 1024 * 1024)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    for name, value in {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "false"}.items():
        monkeypatch.setenv(name, value)
    sink.port = port
    yield sink
    controller.stop()
