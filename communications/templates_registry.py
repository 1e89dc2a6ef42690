"""The portal's automatic emails: each kind's default subject and body, and the variables it has.

An office may replace a kind's subject and body (communications.models.EmailTemplate; the admin
screens edit them). Variables are written {name} and filled by a safe renderer: str.format_map
over plain strings, so what staff type is never compiled as a template, and an unknown or
misspelled variable stays as typed instead of breaking the email.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EmailKind:
    key: str
    label: str
    subject: str
    body: str
    variables: tuple[str, ...]
    category: str  # "transactional" (always sent) or a preference category the person may turn off


_AUTOPAY_VARS = ("city", "name", "customer_number", "amount", "fee", "total", "method", "charge_date", "due_date",
                 "maximum", "pay_link", "manage_link", "office_contact")

KINDS: dict[str, EmailKind] = {k.key: k for k in (
    EmailKind("autopay_enrolled", _("AutoPay: enrolled (authorization copy)"),
              _("AutoPay is on for account {customer_number} at {city}"),
              _("Hello {name},\n\nAutoPay is on for utility account {customer_number} at {city}.\n\n"
              "This is a copy of the authorization you gave on {accepted_at}:\n\n{authorization}\n\n"
              "{next_payment}\n\nManage or cancel AutoPay: {manage_link}\n\n{office_contact}\n"),
              _AUTOPAY_VARS + ("authorization", "accepted_at", "next_payment"), "transactional"),
    EmailKind("autopay_ended", _("AutoPay: ended"),
              _("AutoPay is off for account {customer_number} at {city}"),
              _("Hello {name},\n\nAutoPay is off for utility account {customer_number} at {city} as of {ended_at}.\n"
              "{cancelled}\n\nYour bills are no longer paid automatically. Pay online: {pay_link}\n\n"
              "{office_contact}\n"), _AUTOPAY_VARS + ("ended_at", "cancelled"), "transactional"),
    EmailKind("autopay_reminder", _("AutoPay: upcoming charge reminder"),
              _("AutoPay will charge {total} on {charge_date} for account {customer_number}"),
              _("Hello {name},\n\nOn {charge_date}, AutoPay will charge {amount} (plus a service fee of {fee}: "
              "{total} in all) to {method} for utility account {customer_number} at {city}, due {due_date}.\n\n"
              "If you have paid already, only what is still due is charged.\n"
              "Manage AutoPay: {manage_link}\n\n{office_contact}\n"), _AUTOPAY_VARS, "autopay"),
    EmailKind("autopay_failed", _("AutoPay: payment failed"),
              _("AutoPay could not pay account {customer_number}: please pay online"),
              _("Hello {name},\n\nAutoPay could not pay {amount} for utility account {customer_number} at {city} "
              "on {charge_date}.\n\nWhy: {reason}\n\nNothing was charged. Please pay before {due_date} to avoid "
              "a penalty: {pay_link}\nTo change the payment method AutoPay uses: {manage_link}\n\n{office_contact}\n"),
              _AUTOPAY_VARS + ("reason",), "transactional"),
    EmailKind("autopay_over_maximum", _("AutoPay: bill over the maximum"),
              _("Your bill for account {customer_number} is over your AutoPay maximum"),
              _("Hello {name},\n\nThe amount due on utility account {customer_number} at {city} is {amount}, over "
              "your AutoPay maximum of {maximum}, so AutoPay did not charge it.\n\nPlease pay before {due_date}: "
              "{pay_link}\nTo change your maximum: {manage_link}\n\n{office_contact}\n"),
              _AUTOPAY_VARS, "transactional"),
    EmailKind("autopay_card_expiring", _("AutoPay: card expiring"),
              _("The card AutoPay uses for account {customer_number} expires soon"),
              _("Hello {name},\n\nThe card AutoPay uses for utility account {customer_number} at {city}, {method}, "
              "expires at the end of {expires}. Update it before then so your next payment goes through: "
              "{manage_link}\n\n{office_contact}\n"), _AUTOPAY_VARS + ("expires",), "transactional"),
    EmailKind("autopay_invitation", _("AutoPay: invitation from the office"),
              _("{city} invites you to set up AutoPay for account {customer_number}"),
              _("Hello,\n\nThe office of {city} has prepared AutoPay for utility account {customer_number}: "
              "{days_before_due} days before each due date{maximum_text}.\n\nTo turn it on, sign in (or create "
              "your login with this email address), choose how to pay and accept the authorization: {accept_link}\n"
              "\nThis invitation expires on {expires_on}. Nothing is charged until you accept.\n\n{office_contact}\n"),
              ("city", "customer_number", "days_before_due", "maximum_text", "accept_link", "expires_on",
               "office_contact"), "transactional"),
)}


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, context: dict) -> str:
    """Put the context's values in {variables}; unknown ones and stray braces stay as typed."""
    try:
        return str(text).format_map(_Keep({k: str(v) for k, v in context.items()}))
    except (ValueError, IndexError, AttributeError, KeyError):
        return text
