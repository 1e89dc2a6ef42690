"""What other apps add to an account's card (AutoPay's "Manage AutoPay"), registered by them.

billing imports none of those apps (AutoPay sits above billing): they add a hook here from their
app config. A hook is called once per page with every account key on it, and must cost a fixed
number of queries whatever the number of accounts (the home page's query count is asserted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class AccountExtra:
    """One link on an account's card, with a line saying where things stand."""

    label: str  # the link's words: "Manage AutoPay"
    url: str
    status: str  # "On: 3 days before the due date, up to $150.00, Visa •••• 4242", or "Off"
    setup_url: str = ""  # where to turn it on when it is off and may be (offered right after linking)
    setup_label: str = ""


# The session key of the account just linked: Utility Billing's home offers its next steps once (the guide's
# onboarding: "Setup Autopay or Continue to Homepage").
JUST_LINKED = "just_linked_account"

# callables(*, tenant, user, account_keys: list[str]) -> {account_key: AccountExtra}
account_extras: list[Callable[..., dict[str, AccountExtra]]] = []


def add_account_extras(fn: Callable) -> Callable:
    if fn not in account_extras:
        account_extras.append(fn)
    return fn


def extras_for(*, tenant, user, account_keys: list[str]) -> dict[str, list[AccountExtra]]:
    """Every hook's extra for each account, in the order the hooks were added."""
    found: dict[str, list[AccountExtra]] = {key: [] for key in account_keys}
    if not account_keys:
        return found
    for hook in account_extras:
        for key, extra in hook(tenant=tenant, user=user, account_keys=list(account_keys)).items():
            if key in found:
                found[key].append(extra)
    return found
