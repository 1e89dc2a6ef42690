"""The office's actions on payments, each recording who acted.

They call the billing domain (posting, settings); billing owns the rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from billing.payments import posting
from billing.payments.models import PaymentItem
from billing.payments.states import Actor
from customers.models import User
from portal.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryOutcome:
    posted: int
    refused: int
    still_waiting: int


def retry_pending_payments(*, tenant: Tenant, acting_user: User) -> RetryOutcome:
    """Retry Now: post every waiting item of the city at once, whatever its retry time."""
    # post_due_items claims each item atomically, so a worker posting at the same moment and
    # this call never post one item twice; an item the worker holds is skipped here.
    counts = posting.post_due_items(tenant=tenant, force=True, actor=Actor.clerk(acting_user))
    still_waiting = tenant.payment_items.filter(post_state=PaymentItem.PostState.WAITING).count()
    outcome = RetryOutcome(posted=counts.get("posted", 0), refused=counts.get("rejected", 0),
                           still_waiting=still_waiting)
    logger.info("retry now", extra={"acting_user_id": acting_user.id, "posted": outcome.posted,
                                    "refused": outcome.refused, "still_waiting": outcome.still_waiting})
    return outcome
