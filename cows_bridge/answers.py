"""Whole answers of COWS read into the types: a batch, usage, periods, a validation, an answer about one account."""

from __future__ import annotations

from typing import Any

from . import fields as f
from .errors import CowsBadResponse
from .types import AccountSummary, Period, UsageReadInfo, normalize_customer_number


def parse_batch(data: Any) -> tuple[list[AccountSummary], list[str]]:
    """A batch answer: the accounts found and the numbers COWS does not know."""
    return f.items(data, "accounts", AccountSummary.from_json), list(f.texts(data, "missing"))


def parse_usage(data: Any) -> tuple[str, list[UsageReadInfo]]:
    """(unit, reads of every metered service)."""
    services = f.obj(f.obj(data, "usage").get("services"), "services")
    reads = []
    for service, rows in services.items():
        if not isinstance(rows, list):
            raise CowsBadResponse(f"the reads of {service} are not a list")
        reads += [UsageReadInfo.from_json(str(service), r) for r in rows]
    return f.text(data, "unit"), reads


def parse_periods(data: Any) -> tuple[Period | None, list[Period]]:
    return Period.maybe(data, "open"), f.items(data, "closed", Period.from_json)


def parse_validation(data: Any) -> tuple[bool, str]:
    valid = f.obj(data, "validation").get("valid")
    if not isinstance(valid, bool):
        raise CowsBadResponse("valid is not true or false")
    return valid, f.text(data, "payor_name")


def for_account(digits: str, data: Any) -> dict:
    """The answer, checked to be about the account that was asked for."""
    number = f.text(data, "customer_number", required=True)
    if normalize_customer_number(number) != digits:
        raise CowsBadResponse("COWS answered about another account")
    return data
