"""What a set of Stripe keys must look like: one set of rules for the General and the Utility bills account.

The messages never repeat a key: a secret typed in the wrong box must not come back into the page.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SECRET_PREFIXES = ("sk_", "rk_")


def mode(key: str) -> str:
    """"test" or "live" for a publishable or secret key that says which (pk_test_…, sk_live_…), else ""."""
    for prefix in ("pk_", "sk_", "rk_"):
        if key.startswith(prefix):
            rest = key.removeprefix(prefix)
            return next((m for m in ("test", "live") if rest.startswith(m + "_")), "")
    return ""


def publishable_key_problem(key: str) -> str:
    """Why this is not a publishable key ("" when it looks like one)."""
    if key.startswith(SECRET_PREFIXES + ("whsec_",)):
        return str(_("This is a secret key: it goes in the secret key box below. The publishable key starts with pk_."))
    if key and not key.startswith("pk_"):
        return str(_("A Stripe publishable key starts with pk_."))
    return ""


def secret_key_problem(key: str) -> str:
    """Why this is not a secret key ("" when it looks like one)."""
    if key and not key.startswith(SECRET_PREFIXES):
        return str(_("A Stripe secret key starts with sk_ or rk_."))
    return ""


def webhook_secret_problem(key: str) -> str:
    """Why this is not a webhook signing secret ("" when it looks like one)."""
    if key and not key.startswith("whsec_"):
        return str(_("A Stripe webhook signing secret starts with whsec_."))
    return ""


def mode_problem(*, publishable_key: str, secret_key: str) -> str:
    """Why a publishable and a secret key cannot belong together: one a test key, the other a live key."""
    modes = {mode(publishable_key), mode(secret_key)} - {""}
    if len(modes) > 1:
        return str(_("One key is a test key and the other a live key: use both keys from the same mode (test or "
                     "live) of the Stripe dashboard."))
    return ""
