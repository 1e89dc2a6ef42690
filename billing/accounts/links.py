"""Addresses of an account's pages, reversed once per process and filled in per account.

A page listing many accounts would otherwise reverse six URLs per account on every request.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import reverse

_SENTINEL = "9876543210987"
ACCOUNT_PAGES = ("billing:account_history", "billing:account_graphs", "billing:paperless", "pay:account")


@lru_cache(maxsize=None)
def _pattern(name: str, extra: tuple = ()) -> str:
    return reverse(name, kwargs={"account_key": _SENTINEL, **dict(extra)}).replace(_SENTINEL, "{key}")


def account_urls(key: str) -> dict[str, str]:
    """history, graphs, paperless, pay and latest_bill addresses of one account."""
    return {
        "history": _pattern("billing:account_history").format(key=key),
        "graphs": _pattern("billing:account_graphs").format(key=key),
        "paperless": _pattern("billing:paperless").format(key=key),
        "pay": _pattern("pay:account").format(key=key),
        "latest_bill": _pattern("billing:bill_pdf", (("bill_id", "latest"),)).format(key=key),
    }
