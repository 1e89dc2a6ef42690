"""Strict readers of COWS's JSON: each returns the typed value or raises CowsBadResponse.

An answer of the wrong shape (a list where an object was promised, a dict where a name was, a
missing field) is the office server's fault, not the caller's: it must never surface as
KeyError, TypeError, ValueError or AttributeError from deep inside a page.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, TypeVar

from .errors import CowsBadResponse

T = TypeVar("T")
_MISSING = object()


def obj(value: Any, what: str) -> dict:
    """The value as a JSON object."""
    if not isinstance(value, dict):
        raise CowsBadResponse(f"{what} is not an object")
    return value


def _get(data: Any, key: str, required: bool) -> Any:
    value = obj(data, "the answer").get(key, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise CowsBadResponse(f"missing field {key!r}")
        return None
    return value


def text(data: Any, key: str, *, required: bool = False) -> str:
    """A string field ('' when absent); a number is accepted as its digits."""
    value = _get(data, key, required)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CowsBadResponse(f"{key} is not text: {type(value).__name__}")
    if required and value == "":
        raise CowsBadResponse(f"missing field {key!r}")
    return str(value)


def integer(data: Any, key: str, *, required: bool = True) -> int | None:
    """A whole-number field (digits in a string are accepted)."""
    value = _get(data, key, required)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise CowsBadResponse(f"{key} is not a whole number: {value!r}")


def flag(data: Any, key: str, *, default: bool) -> bool:
    """A true/false field."""
    value = _get(data, key, False)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise CowsBadResponse(f"{key} is not true or false: {value!r}")
    return value


def listing(data: Any, key: str, *, required: bool = False) -> list:
    """A list field ([] when absent and not required)."""
    value = _get(data, key, required)
    if value is None:
        return []
    if not isinstance(value, list):
        raise CowsBadResponse(f"{key} is not a list")
    return value


def items(data: Any, key: str, parse: Callable[[Any], T]) -> list[T]:
    """Every element of a required list field, each through ``parse``."""
    return [parse(x) for x in listing(data, key, required=True)]


def texts(data: Any, key: str) -> tuple[str, ...]:
    """A list of strings (empty when absent)."""
    values = listing(data, key)
    if not all(isinstance(v, str) for v in values):
        raise CowsBadResponse(f"{key} is not a list of text")
    return tuple(values)


def number(value: Any, name: str) -> Decimal:
    """Any finite number (usage, meter reads), given as JSON number or text."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CowsBadResponse(f"{name} is not a number: {value!r}")
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise CowsBadResponse(f"{name} is not a number: {value!r}") from None
    if not d.is_finite():
        raise CowsBadResponse(f"{name} is not finite")
    return d


def money(value: Any, name: str) -> Decimal:
    """An amount in dollars and cents."""
    if value is None:
        raise CowsBadResponse(f"missing field {name!r}")
    return number(value, name).quantize(Decimal("0.01"))


def opt_money(value: Any, name: str) -> Decimal | None:
    return None if value in (None, "") else money(value, name)


def day(value: Any, name: str) -> date | None:
    """A YYYY-MM-DD date, or None when absent."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise CowsBadResponse(f"{name} is not a date: {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CowsBadResponse(f"{name} is not a date: {value!r}") from None


def required_day(data: Any, key: str) -> date:
    found = day(_get(data, key, True), key)
    if found is None:
        raise CowsBadResponse(f"missing field {key!r}")
    return found


def moment(value: Any) -> datetime | None:
    """An ISO datetime, or None when absent."""
    if not value:
        return None
    if not isinstance(value, str):
        raise CowsBadResponse(f"not a datetime: {value!r}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise CowsBadResponse(f"not a datetime: {value!r}") from None
