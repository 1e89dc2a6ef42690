"""Writes about a utility account that go to Caselle through COWS."""

from __future__ import annotations

import logging

from cows_bridge import client as cows
from portal.models import Tenant

from .snapshots import store_summary

logger = logging.getLogger(__name__)


def set_paperless(*, tenant: Tenant, account_key: str, paperless: bool, acting_user) -> bool:
    """Enroll the account in paperless billing (clear Send Paper Statement) or leave it; returns the new choice."""
    summary = cows.set_paperless(tenant, account_key, paperless=paperless)
    store_summary(tenant=tenant, summary=summary)
    logger.info("paperless changed", extra={"account": summary.customer_number, "paperless": paperless,
                                            "acting_user_id": acting_user.id})
    return not summary.send_paper_statement
