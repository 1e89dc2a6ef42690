"""The only code that talks to an office's Caselle web service (COWS), over HTTP.

Explicit connect and read timeouts on every call; reads are retried once on a connection
error or a 502/503/504 (never after a read timeout, which already spent the caller's budget);
writes are never retried here (posting receipts has its own look-up-then-post rule).
One requests.Session per process keeps connections alive.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from portal.models import Tenant

from . import health
from .errors import (CowsAuthFailed, CowsBadResponse, CowsError, CowsNotConfigured, CowsNotFound, CowsRejected,
                     CowsUnavailable)
from .types import (AccountSummary, BillInfo, Category, Landlord, OfficeStatus, Period, Receipt, TransactionLine,
                    UsageReadInfo, normalize_customer_number)

_session: requests.Session | None = None
_session_lock = threading.Lock()
RETRY_STATUSES = {502, 503, 504}


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


def _call(tenant: Tenant, method: str, path: str, *, payload: Any = None, read: bool, raw: bool = False,
          timeout: tuple[float, float] | None = None) -> Any:
    """One request to COWS, with link health recorded; returns JSON (or bytes when raw)."""
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
        # Any answer below 500 means the link works, even a refusal.
        health.record_success(tenant, latency_ms)
        if response.status_code == 401:
            raise CowsAuthFailed("COWS refused the portal's key", status=401, code="unauthorized")
        if response.status_code == 404:
            raise CowsNotFound(_message(response), status=404, code=_code(response))
        if response.status_code >= 400:
            raise CowsRejected(_message(response), status=response.status_code, code=_code(response))
        if raw:
            return response.content
        try:
            return response.json()
        except ValueError:
            raise CowsBadResponse("COWS answered with something that is not JSON") from None
    raise CowsError("unreachable")  # pragma: no cover - the loop always returns or raises


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
    return OfficeStatus.from_json(_call(tenant, "GET", "/status", read=True))


def get_account(tenant: Tenant, customer_number: str) -> AccountSummary:
    """One account's summary; CowsNotFound when the office has no such customer number."""
    digits = normalize_customer_number(customer_number)
    if not digits:
        raise CowsNotFound("no customer number", status=404, code="not_found")
    return AccountSummary.from_json(_call(tenant, "GET", f"/accounts/{digits}", read=True))


def get_accounts(tenant: Tenant, customer_numbers: list[str]) -> tuple[dict[str, AccountSummary], list[str]]:
    """Summaries of many accounts in one call each 200; keyed by digits-only number. Also the missing ones."""
    keys = list(dict.fromkeys(normalize_customer_number(n) for n in customer_numbers if normalize_customer_number(n)))
    found: dict[str, AccountSummary] = {}
    missing: list[str] = []
    for i in range(0, len(keys), 200):
        data = _call(tenant, "POST", "/accounts/batch", payload={"customer_numbers": keys[i:i + 200]}, read=True)
        for item in data.get("accounts") or []:
            summary = AccountSummary.from_json(item)
            found[summary.key] = summary
        missing += [normalize_customer_number(n) for n in data.get("missing") or []]
    return found, missing


def get_landlord(tenant: Tenant, landlord_id: int) -> Landlord:
    return Landlord.from_json(_call(tenant, "GET", f"/landlords/{int(landlord_id)}", read=True))


def search_landlords(tenant: Tenant, query: str) -> list[Landlord]:
    from urllib.parse import quote

    data = _call(tenant, "GET", f"/landlords?q={quote(query)}", read=True)
    return [Landlord.from_json(item) for item in data.get("landlords") or []]


def _account_path(customer_number: str) -> str:
    digits = normalize_customer_number(customer_number)
    if not digits:
        raise CowsNotFound("no customer number", status=404, code="not_found")
    return f"/accounts/{digits}"


def get_bills(tenant: Tenant, customer_number: str) -> list[BillInfo]:
    """The account's final bills (closed periods), newest first."""
    data = _call(tenant, "GET", _account_path(customer_number) + "/bills", read=True)
    return [BillInfo.from_json(b) for b in data.get("bills") or []]


def get_transactions(tenant: Tenant, customer_number: str, since=None) -> list[TransactionLine]:
    """Bill, payment and adjustment lines by service, newest first; only those on or after `since`."""
    query = f"?since={since.isoformat()}" if since else ""
    data = _call(tenant, "GET", _account_path(customer_number) + "/transactions" + query, read=True)
    return [TransactionLine.from_json(t) for t in data.get("transactions") or []]


def get_usage(tenant: Tenant, customer_number: str) -> tuple[str, list[UsageReadInfo]]:
    """(unit, reads) of every metered service, oldest first."""
    data = _call(tenant, "GET", _account_path(customer_number) + "/usage", read=True)
    reads = [UsageReadInfo.from_json(service, r) for service, rows in (data.get("services") or {}).items()
             for r in rows]
    return str(data.get("unit") or ""), reads


def get_bill_pdf(tenant: Tenant, customer_number: str, bill_id: str) -> bytes:
    """The bill's PDF (Splitter output); CowsNotFound when the office has none for it yet."""
    from urllib.parse import quote

    pdf = _call(tenant, "GET", _account_path(customer_number) + f"/bills/{quote(bill_id, safe='')}/pdf",
                read=True, raw=True, timeout=(settings.COWS_CONNECT_TIMEOUT, max(settings.COWS_READ_TIMEOUT, 15.0)))
    if not pdf.startswith(b"%PDF-"):
        raise CowsBadResponse("the bill PDF is not a PDF")
    return pdf


def get_periods(tenant: Tenant) -> tuple[Period | None, list[Period]]:
    data = _call(tenant, "GET", "/periods", read=True)
    open_period = Period.from_json(data["open"]) if data.get("open") else None
    return open_period, [Period.from_json(p) for p in data.get("closed") or []]


# --- writes -----------------------------------------------------------------------------------

def set_paperless(tenant: Tenant, customer_number: str, *, paperless: bool) -> AccountSummary:
    """Clear (or set again) Send Paper Statement on the Caselle account."""
    data = _call(tenant, "PUT", _account_path(customer_number) + "/paperless", payload={"paperless": paperless},
                 read=False)
    return AccountSummary.from_json(data)


def get_categories(tenant: Tenant) -> list[Category]:
    """Cash Receipting's categories and distributions (all of them; filter on allow_portal_payments)."""
    data = _call(tenant, "GET", "/cash-receipting/categories", read=True)
    return [Category.from_json(c) for c in data.get("categories") or []]


def validate_reference(tenant: Tenant, *, category: str, distribution: str, reference: str) -> tuple[bool, str]:
    """Is this permit or customer number known for an interfaced category? (valid, payor name)."""
    data = _call(tenant, "POST", "/cash-receipting/validate",
                 payload={"category": category, "distribution": distribution, "reference": reference}, read=True)
    return bool(data.get("valid")), str(data.get("payor_name") or "")


def get_receipt(tenant: Tenant, reference: str) -> Receipt | None:
    """The receipt posted with this portal reference, or None."""
    from urllib.parse import quote

    try:
        return Receipt.from_json(_call(tenant, "GET", f"/receipts/{quote(reference, safe='')}", read=True))
    except CowsNotFound:
        return None


def post_receipt(tenant: Tenant, payload: dict) -> Receipt:
    """Post one receipt to Cash Receipting, exactly once for its reference.

    COWS answers a repeated reference with the first receipt. When the answer is lost (timeout,
    dropped connection), the receipt is looked up by reference before anyone posts again.
    """
    reference = payload["reference"]
    try:
        return Receipt.from_json(_call(tenant, "POST", "/receipts", payload=payload, read=False))
    except CowsUnavailable:
        try:
            found = get_receipt(tenant, reference)
        except CowsError:
            found = None
        if found is not None:
            return found
        raise


def probe(tenant: Tenant) -> bool:
    """Ask COWS how it is; True when it answered. Records link health either way."""
    try:
        get_status(tenant)
    except CowsUnavailable:
        return False
    except CowsError:
        return True  # it answered, even if oddly
    return True
