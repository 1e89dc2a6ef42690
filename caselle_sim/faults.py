"""Fault injection: make COWS fail the way a real office server does.

Rules live in the server process only (a restart clears them, like a real outage ending).
A rule matches an operation name (or "*") and optionally one office; the first matching rule
applies to a request, and one with ``times`` expires after that many requests.

Modes:
- error: answer ``status`` (default 503) with a JSON error, doing nothing.
- slow: wait ``delay`` seconds (default 2), then answer normally.
- hang: wait ``delay`` seconds (default 60) before answering normally; the client will
  usually have timed out by then, and the operation still runs when the wait ends.
- drop_after_commit: perform the operation (a receipt is committed), then close the socket
  without any response: the case where the portal cannot know whether its payment posted.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import asdict, dataclass

MODES = ("error", "hang", "slow", "drop_after_commit")
DEFAULT_DELAY = {"hang": 60.0, "slow": 2.0}

OPERATIONS = (
    "health", "status", "account_summary", "account_batch", "bills", "transactions", "bill_pdf",
    "usage", "set_paperless", "periods", "close_period", "landlords", "landlord", "categories",
    "validate_reference", "post_receipt", "get_receipt", "list_receipts",
)


class FaultError(ValueError):
    pass


@dataclass
class FaultRule:
    id: int
    operation: str
    mode: str
    status: int
    delay: float
    times: int | None
    office: str | None
    hits: int = 0

    def matches(self, operation: str, office: str | None) -> bool:
        if self.operation != "*" and self.operation != operation:
            return False
        if operation == "health" and self.operation not in ("health", "*"):
            return False
        return self.office is None or self.office == office

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class FaultRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, object]) -> FaultRule:
        mode = str(spec.get("mode") or "")
        if mode not in MODES:
            raise FaultError(f"mode must be one of {', '.join(MODES)}")
        operation = str(spec.get("operation") or "*")
        if operation != "*" and operation not in OPERATIONS:
            raise FaultError(f"unknown operation {operation!r}; one of *, {', '.join(OPERATIONS)}")
        try:
            status = int(spec.get("status") or 503)  # type: ignore[arg-type]
            delay_raw = spec.get("delay")
            delay = float(delay_raw) if delay_raw is not None else DEFAULT_DELAY.get(mode, 0.0)  # type: ignore[arg-type]
            times_raw = spec.get("times")
            times = int(times_raw) if times_raw is not None else None  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise FaultError("status, delay and times must be numbers") from None
        if not 400 <= status <= 599:
            raise FaultError("status must be 4xx or 5xx")
        if delay < 0 or (times is not None and times < 1):
            raise FaultError("delay must be >= 0 and times >= 1")
        office = spec.get("office")
        rule = FaultRule(next(self._ids), operation, mode, status, delay, times,
                         str(office) if office else None)
        with self._lock:
            self._rules.append(rule)
        return rule

    def take(self, operation: str, office: str | None) -> FaultRule | None:
        """The rule that applies to this request, counting it against ``times``."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(operation, office):
                    rule.hits += 1
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def list(self) -> list[dict[str, object]]:
        with self._lock:
            return [r.to_json() for r in self._rules]

    def clear(self) -> int:
        with self._lock:
            n = len(self._rules)
            self._rules.clear()
            return n
