"""What a COWS error means, in the office's words: no exception names, no HTTP codes (those go to the log)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .errors import CowsError

RETRYING = {
    "unavailable": _("The billing system (Caselle) could not be reached; the portal tries again every few minutes."),
    "not_configured": _("The portal has no COWS address or key for the billing system (Caselle): set them in "
                        "Admin → COWS. The portal tries again every few minutes."),
    "auth_failed": _("The billing system (Caselle) refused the portal's COWS key: check it in Admin → COWS. "
                     "The portal tries again every few minutes."),
}
OTHER = _("The billing system (Caselle) gave an answer the portal could not use; the portal tries again every few "
          "minutes. If this stays, ask IT to check the Caselle Online Web Service.")
UNUSABLE = {"error", "rejected", "not_found", "bad_response"}


def reason_of(exc: CowsError) -> str:
    """The short code of a COWS error ("unavailable", "auth_failed", ...), to keep on a row that waits for COWS."""
    return exc.reason


def retrying_words(reason: str) -> str:
    """Why work that waits for COWS waits, for a row kept with `reason_of` (older rows kept the error's text)."""
    if reason in RETRYING:
        return str(RETRYING[reason])
    return str(OTHER if reason in UNUSABLE else RETRYING["unavailable"])
