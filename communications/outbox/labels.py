"""How the office reads an outbox row's kind: the template's own name, or what the code sent."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..templates_registry import KINDS

OTHER_KINDS = {
    "office_notice": _("Office notice"),
    "cows_alert": _("COWS alert"),
    "campaign": _("Mass email"),
    "campaign_test": _("Mass email (test)"),
    "payment_returned": _("Payment returned"),
}


def kind_label(kind: str) -> str:
    """The name of a kind of email as the Email log shows it."""
    if kind in KINDS:
        return str(KINDS[kind].label)
    if kind in OTHER_KINDS:
        return str(OTHER_KINDS[kind])
    if kind.startswith("account_"):
        return str(_("Sign-in and account"))
    return kind.replace("_", " ").capitalize()


def kind_choices(kinds) -> list[tuple[str, str]]:
    """(kind, label) pairs for a filter, by label."""
    return sorted(((k, kind_label(k)) for k in kinds), key=lambda pair: pair[1].lower())
