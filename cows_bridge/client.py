"""The only code that talks to an office's Caselle web service (COWS), over HTTP.

Explicit connect and read timeouts on every call; reads are retried once on a connection
error or a 502/503/504 (never after a read timeout, which already spent the caller's budget);
writes are never retried here (posting receipts has its own look-up-then-post rule).
One requests.Session per process keeps connections alive.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, NoReturn, TypeVar
from urllib.parse import quote

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from portal.models import Tenant

from . import health
from .errors import (KEY_REFUSED, CowsAuthFailed, CowsBadResponse, CowsError, CowsNotConfigured, CowsNotFound,
                     CowsRejected, CowsUnavailable)
from . import fields
from .answers import for_account, parse_batch, parse_periods, parse_usage, parse_validation
from .types import (AccountSummary, BillInfo, Category, Landlord, OfficeStatus, Period, Receipt, TransactionLine,
                    UsageReadInfo, normalize_customer_number)

T = TypeVar("T")

_session: requests.Session | None = None
_session_lock = threading.Lock()
RETRY_STATUSES = {502, 503, 504}
KEY_STATUSES = {401, 403}


def _http() -> requests.Session:
    global _session
    if _session is None:
        with _session_lock:
            if _session is None:
                s = requests.Session()
                adapter = HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=0)
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                s.headers["User-Agent"] = "community-connect-cows-bridge/1"
                _session = s
    return _session


def _base_url(tenant: Tenant) -> str:
    if not tenant.cows_url:
        raise CowsNotConfigured(f"{tenant.slug} has no COWS address configured")
    return tenant.cows_url.rstrip("/")


def _call(tenant: Tenant, method: str, path: str, *, parse: Callable[[Any], T], payload: Any = None, read: bool,
          raw: bool = False, timeout: tuple[float, float] | None = None) -> T:
    """One request to COWS, with link health recorded; the answer as ``parse`` makes it.

    ``parse`` gets the JSON (or the bytes when raw) and raises CowsBadResponse when it cannot
    trust them; such an answer counts against the link like a 5xx, since nothing usable came back.
    """
    url = _base_url(tenant) + path
    timeout = timeout or (settings.COWS_CONNECT_TIMEOUT, settings.COWS_READ_TIMEOUT)
    headers = {"Authorization": f"Bearer {tenant.cows_api_key}", "Accept": "application/json"}
    attempts = 2 if read else 1
    for attempt in range(attempts):
        started = time.monotonic()
        try:
            response = _http().request(method, url, json=payload, headers=headers, timeout=timeout)
        except requests.Timeout as exc:
            error = CowsUnavailable(f"COWS did not answer in time ({type(exc).__name__})")
            health.record_failure(tenant, str(error))
            raise error from None
        except requests.RequestException as exc:
            error = CowsUnavailable(f"COWS could not be reached ({type(exc).__name__})")
            if read and attempt + 1 < attempts:
                time.sleep(0.1)
                continue
            health.record_failure(tenant, str(error))
            raise error from None
        latency_ms = int((time.monotonic() - started) * 1000)
        if response.status_code in RETRY_STATUSES or response.status_code >= 500:
            error = CowsUnavailable(f"COWS answered {response.status_code}: {_message(response)}")
            if read and response.status_code in RETRY_STATUSES and attempt + 1 < attempts:
                time.sleep(0.1)
                continue
            health.record_failure(tenant, str(error))
            raise error
        if response.status_code in KEY_STATUSES:
            # A refused key means the portal's work cannot be done: it counts against the link like an outage.
            # A 401 refuses the key outright (every call fails), so the link is down at once; a 403 may forbid
            # one kind of call (receipts, say), so it counts like any other failure (two in a row).
            error = CowsAuthFailed(f"{KEY_REFUSED} ({response.status_code})", status=response.status_code,
                                   code=_code(response))
            health.record_failure(tenant, str(error), at_once=response.status_code == 401)
            raise error
        if response.status_code >= 400:
            # Any other refusal is of this one request (not found, a closed account): the link works.
            health.record_success(tenant, latency_ms)
            _refuse(response)
        try:
            result = parse(response.content if raw else _json(response))
        except CowsBadResponse as exc:
            health.record_failure(tenant, f"COWS answered {method} {path} with something unusable: {exc}")
            raise
        health.record_success(tenant, latency_ms)
        return result
    raise CowsError("unreachable")  # pragma: no cover - the loop always returns or raises


def _refuse(response) -> NoReturn:
    if response.status_code == 404:
        raise CowsNotFound(_message(response), status=404, code=_code(response))
    raise CowsRejected(_message(response), status=response.status_code, code=_code(response))


def _json(response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise CowsBadResponse("COWS answered with something that is not JSON") from None


def _json_or_none(response) -> dict | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _message(response) -> str:
    data = _json_or_none(response)
    return str((data or {}).get("message") or (data or {}).get("error") or response.reason or "")[:200]


def _code(response) -> str:
    return str((_json_or_none(response) or {}).get("error") or "rejected")


# --- reads ----------------------------------------------------------------------------------

def get_status(tenant: Tenant) -> OfficeStatus:
    """The office's name and its open and last closed billing periods."""
    return _call(tenant, "GET", "/status", read=True, parse=OfficeStatus.from_json)


def get_account(tenant: Tenant, customer_number: str) -> AccountSummary:
    """One account's summary; CowsNotFound when the office has no such customer number."""
    path, digits = _account_path(customer_number)
    return _call(tenant, "GET", path, read=True, parse=lambda d: AccountSummary.from_json(for_account(digits, d)))


def get_accounts(tenant: Tenant, customer_numbers: list[str]) -> tuple[dict[str, AccountSummary], list[str]]:
    """Summaries of many accounts in one call each 200; keyed by digits-only number. Also the missing ones."""
    keys = list(dict.fromkeys(normalize_customer_number(n) for n in customer_numbers if normalize_customer_number(n)))
    found: dict[str, AccountSummary] = {}
    missing: list[str] = []
    for i in range(0, len(keys), 200):
        summaries, unknown = _call(tenant, "POST", "/accounts/batch", payload={"customer_numbers": keys[i:i + 200]},
                                   read=True, parse=parse_batch)
        found.update((s.key, s) for s in summaries)
        missing += [normalize_customer_number(n) for n in unknown]
    return found, missing


def get_landlord(tenant: Tenant, landlord_id: int) -> Landlord:
    """One landlord or cosigner and the customer numbers they may see."""
    return _call(tenant, "GET", f"/landlords/{int(landlord_id)}", read=True, parse=Landlord.from_json)


def search_landlords(tenant: Tenant, query: str) -> list[Landlord]:
    """Landlords and cosigners whose id, name or email matches."""
    return _call(tenant, "GET", f"/landlords?q={quote(query)}", read=True,
                 parse=lambda d: fields.items(d, "landlords", Landlord.from_json))


def _account_path(customer_number: str) -> tuple[str, str]:
    digits = normalize_customer_number(customer_number)
    if not digits:
        raise CowsNotFound("no customer number", status=404, code="not_found")
    return f"/accounts/{digits}", digits


def get_bills(tenant: Tenant, customer_number: str) -> list[BillInfo]:
    """The account's final bills (closed periods), newest first."""
    path, digits = _account_path(customer_number)
    return _call(tenant, "GET", path + "/bills", read=True,
                 parse=lambda d: fields.items(for_account(digits, d), "bills", BillInfo.from_json))


def get_transactions(tenant: Tenant, customer_number: str, since=None) -> list[TransactionLine]:
    """Bill, payment and adjustment lines by service, newest first; only those on or after `since`."""
    path, digits = _account_path(customer_number)
    query = f"?since={since.isoformat()}" if since else ""
    return _call(tenant, "GET", path + "/transactions" + query, read=True,
                 parse=lambda d: fields.items(for_account(digits, d), "transactions", TransactionLine.from_json))


def get_usage(tenant: Tenant, customer_number: str) -> tuple[str, list[UsageReadInfo]]:
    """(unit, reads) of every metered service, oldest first."""
    path, digits = _account_path(customer_number)
    return _call(tenant, "GET", path + "/usage", read=True, parse=lambda d: parse_usage(for_account(digits, d)))


def _pdf(content: bytes) -> bytes:
    if not content.startswith(b"%PDF-"):
        raise CowsBadResponse("the bill PDF is not a PDF")
    return content


def get_bill_pdf(tenant: Tenant, customer_number: str, bill_id: str) -> bytes:
    """The bill's PDF (Splitter output); CowsNotFound when the office has none for it yet."""
    path, _digits = _account_path(customer_number)
    return _call(tenant, "GET", path + f"/bills/{quote(bill_id, safe='')}/pdf", read=True, raw=True, parse=_pdf,
                 timeout=(settings.COWS_CONNECT_TIMEOUT, max(settings.COWS_READ_TIMEOUT, 15.0)))


def get_periods(tenant: Tenant) -> tuple[Period | None, list[Period]]:
    """The open period (if any) and the closed ones, newest first."""
    return _call(tenant, "GET", "/periods", read=True, parse=parse_periods)


def get_categories(tenant: Tenant) -> list[Category]:
    """Cash Receipting's categories and distributions (all of them; filter on allow_portal_payments)."""
    return _call(tenant, "GET", "/cash-receipting/categories", read=True,
                 parse=lambda d: fields.items(d, "categories", Category.from_json))


def validate_reference(tenant: Tenant, *, category: str, distribution: str, reference: str) -> tuple[bool, str]:
    """Is this permit or customer number known for an interfaced category? (valid, payor name)."""
    return _call(tenant, "POST", "/cash-receipting/validate", read=True, parse=parse_validation,
                 payload={"category": category, "distribution": distribution, "reference": reference})


def get_receipt(tenant: Tenant, reference: str) -> Receipt | None:
    """The receipt posted with this portal reference, or None."""
    try:
        return _call(tenant, "GET", f"/receipts/{quote(reference, safe='')}", read=True, parse=Receipt.from_json)
    except CowsNotFound:
        return None


# --- writes -----------------------------------------------------------------------------------

def set_paperless(tenant: Tenant, customer_number: str, *, paperless: bool) -> AccountSummary:
    """Clear (or set again) Send Paper Statement on the Caselle account."""
    path, digits = _account_path(customer_number)
    return _call(tenant, "PUT", path + "/paperless", payload={"paperless": paperless}, read=False,
                 parse=lambda d: AccountSummary.from_json(for_account(digits, d)))


def post_receipt(tenant: Tenant, payload: dict) -> Receipt:
    """Post one receipt to Cash Receipting, exactly once for its reference.

    COWS answers a repeated reference with the first receipt. When the answer is lost (timeout,
    dropped connection) or unusable, the receipt is looked up by reference before anyone posts again.
    """
    reference = payload["reference"]
    try:
        return _call(tenant, "POST", "/receipts", payload=payload, read=False, parse=Receipt.from_json)
    except (CowsUnavailable, CowsBadResponse):
        try:
            found = get_receipt(tenant, reference)
        except CowsError:
            found = None
        if found is not None:
            return found
        raise


def probe(tenant: Tenant) -> bool:
    """Ask COWS how it is; True when it answered usefully. Records link health either way."""
    try:
        get_status(tenant)
    except (CowsUnavailable, CowsBadResponse, CowsAuthFailed):
        return False
    except CowsError:
        return True  # it answered (refusing this one request still means the link works)
    return True
