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
- malformed: perform the operation, then answer 200 with a body the client cannot trust, as a
  half-upgraded or misconfigured office server does. ``variant`` says how (see ``malform``):
  not_json (an HTML error page), truncated (JSON cut in half), missing_field (``field`` removed
  wherever it appears, or the first field of every object), wrong_type (every value replaced by
  one of the wrong type), wrong_shape (a list where an object was promised, or the reverse).
"""

from __future__ import annotations

import itertools
import threading
import json
from dataclasses import asdict, dataclass
from typing import Any

MODES = ("error", "hang", "slow", "drop_after_commit", "malformed")
VARIANTS = ("not_json", "truncated", "missing_field", "wrong_type", "wrong_shape")
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
    variant: str | None = None
    field: str | None = None

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
        variant = str(spec.get("variant") or "not_json") if mode == "malformed" else None
        if variant is not None and variant not in VARIANTS:
            raise FaultError(f"variant must be one of {', '.join(VARIANTS)}")
        field = str(spec["field"]) if mode == "malformed" and spec.get("field") else None
        office = spec.get("office")
        rule = FaultRule(next(self._ids), operation, mode, status, delay, times,
                         str(office) if office else None, variant=variant, field=field)
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


NOT_JSON = b"<html><head><title>502 Proxy Error</title></head><body><h1>Proxy Error</h1></body></html>"


def malform(body: bytes, content_type: str, variant: str, field: str | None = None) -> tuple[bytes, str]:
    """The (body, content type) of a 200 answer spoiled the way ``variant`` says."""
    if variant == "not_json" or not content_type.startswith("application/json"):
        return NOT_JSON, "text/html; charset=utf-8"  # a PDF, say, replaced by a proxy's error page
    if variant == "truncated":
        return body[: max(1, len(body) // 2)], content_type
    data = json.loads(body)
    if variant == "missing_field":
        data = _without(data, field)
    elif variant == "wrong_type":
        data = _wrong_types(data)
    else:
        data = [data] if isinstance(data, dict) else {"items": data}
    return json.dumps(data).encode("utf-8"), content_type


def _without(data: Any, field: str | None) -> Any:
    if isinstance(data, list):
        return [_without(x, field) for x in data]
    if not isinstance(data, dict):
        return data
    drop = field if field is not None else next(iter(data), None)
    return {k: _without(v, field) for k, v in data.items() if k != drop}


def _wrong_types(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _wrong_types(v) for k, v in data.items()}
    if isinstance(data, list):
        return "not-a-list" if not data else [_wrong_types(x) for x in data]
    return {"unexpected": data}  # where a string, number, flag or null was promised
