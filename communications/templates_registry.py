"""The portal's automatic emails: each kind's default subject and body, its variables, and its menu.

An office may replace a kind's subject and body (communications.models.EmailTemplate, edited on the
office's Email and Billing Emails screens). Bodies are HTML (communications/rich_text.py); the defaults
below are written as plain text and turned into paragraphs. Variables are written {name} and filled by
a safe renderer that only ever substitutes values: what staff type is never compiled as a template,
and an unknown or misspelled variable stays as typed instead of breaking the email (the editor
refuses one before it is saved).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

MENUS = ("admin", "utility", "billing")  # Admin → Email, Utility Admin → Email, Utility Admin → Billing Emails


@dataclass(frozen=True)
class Link:
    """A link variable's value: where it goes and the words shown (its address when there are none)."""

    url: str
    label: str = ""

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True)
class EmailKind:
    key: str
    label: str
    subject: str
    body: str
    variables: tuple[str, ...]
    category: str  # "transactional" (always sent) or a preference category the person may turn off
    menu: str  # one of MENUS: where the office edits it
    sent_when: str = ""

    @property
    def links(self) -> tuple[str, ...]:
        return tuple(v for v in self.variables if v in LINK_VARIABLES)


# Variables whose value is an address: in an email they become links.
LINK_VARIABLES = frozenset({"pay_link", "manage_link", "accept_link", "communication_link",
                            "LatestCommunicationLink"})

_AUTOPAY_VARS = ("city", "name", "customer_number", "amount", "fee", "total", "method", "charge_date", "due_date",
                 "maximum", "pay_link", "manage_link", "office_contact")

_BILL_VARS = ("city", "name", "customer_number", "amount_due", "due_date", "pay_link", "office_contact")

# A mass email's variables (communications.campaigns fills the city's once and each person's for them).
CAMPAIGN_VARIABLES = ("first_name", "last_name", "name", "email", "city", "office_contact")
# What "Email it to customers" fills in from the communication before the mass email is drafted.
COMMUNICATION_VARIABLES = ("description", "communication_link")

KINDS: dict[str, EmailKind] = {k.key: k for k in (
    EmailKind("autopay_enrolled", _("AutoPay: enrolled (authorization copy)"),
              _("AutoPay is on for account {customer_number} at {city}"),
              _("Hello {name},\n\nAutoPay is on for utility account {customer_number} at {city}.\n\n"
              "This is a copy of the authorization you gave on {accepted_at}:\n\n{authorization}\n\n"
              "{next_payment}\n\nManage or cancel AutoPay: {manage_link}\n\n{office_contact}\n"),
              _AUTOPAY_VARS + ("authorization", "accepted_at", "next_payment"), "transactional", "admin",
              _("When a customer turns AutoPay on.")),
    EmailKind("autopay_ended", _("AutoPay: ended"),
              _("AutoPay is off for account {customer_number} at {city}"),
              _("Hello {name},\n\nAutoPay is off for utility account {customer_number} at {city} as of {ended_at}.\n"
              "{cancelled}\n\nYour bills are no longer paid automatically. Pay online: {pay_link}\n\n"
              "{office_contact}\n"), _AUTOPAY_VARS + ("ended_at", "cancelled"), "transactional", "admin",
              _("When AutoPay ends (the customer or the office turned it off).")),
    EmailKind("autopay_reminder", _("AutoPay: upcoming charge reminder"),
              _("AutoPay will charge {total} on {charge_date} for account {customer_number}"),
              _("Hello {name},\n\nOn {charge_date}, AutoPay will charge {amount} (plus a service fee of {fee}: "
              "{total} in all) to {method} for utility account {customer_number} at {city}, due {due_date}.\n\n"
              "If you have paid already, only what is still due is charged.\n"
              "Manage AutoPay: {manage_link}\n\n{office_contact}\n"), _AUTOPAY_VARS, "autopay", "admin",
              _("Before each AutoPay charge (the days are in the AutoPay settings).")),
    EmailKind("autopay_failed", _("AutoPay: payment failed"),
              _("AutoPay could not pay account {customer_number}: please pay online"),
              _("Hello {name},\n\nAutoPay could not pay {amount} for utility account {customer_number} at {city} "
              "on {charge_date}.\n\nWhy: {reason}\n\nNothing was charged. Please pay before {due_date} to avoid "
              "a penalty: {pay_link}\nTo change the payment method AutoPay uses: {manage_link}\n\n{office_contact}\n"),
              _AUTOPAY_VARS + ("reason",), "transactional", "utility",
              _("When an AutoPay charge is refused.")),
    EmailKind("autopay_over_maximum", _("AutoPay: bill over the maximum"),
              _("Your bill for account {customer_number} is over your AutoPay maximum"),
              _("Hello {name},\n\nThe amount due on utility account {customer_number} at {city} is {amount}, over "
              "your AutoPay maximum of {maximum}, so AutoPay did not charge it.\n\nPlease pay before {due_date}: "
              "{pay_link}\nTo change your maximum: {manage_link}\n\n{office_contact}\n"),
              _AUTOPAY_VARS, "transactional", "utility",
              _("When a bill is over the customer's AutoPay maximum.")),
    EmailKind("autopay_card_expiring", _("AutoPay: card expiring"),
              _("The card AutoPay uses for account {customer_number} expires soon"),
              _("Hello {name},\n\nThe card AutoPay uses for utility account {customer_number} at {city}, {method}, "
              "expires at the end of {expires}. Update it before then so your next payment goes through: "
              "{manage_link}\n\n{office_contact}\n"), _AUTOPAY_VARS + ("expires",), "transactional", "admin",
              _("30 and 7 days before the card AutoPay uses expires.")),
    EmailKind("autopay_invitation", _("AutoPay: invitation from the office"),
              _("{city} invites you to set up AutoPay for account {customer_number}"),
              _("Hello,\n\nThe office of {city} has prepared AutoPay for utility account {customer_number}: "
              "{days_before_due} days before each due date{maximum_text}.\n\nTo turn it on, sign in (or create "
              "your login with this email address), choose how to pay and accept the authorization: {accept_link}\n"
              "\nThis invitation expires on {expires_on}. Nothing is charged until you accept.\n\n{office_contact}\n"),
              ("city", "customer_number", "days_before_due", "maximum_text", "accept_link", "expires_on",
               "office_contact"), "transactional", "admin",
              _("When the office invites a customer to AutoPay (Enroll Customer).")),
    EmailKind("payment_receipt", _("Payment receipt"),
              _("Payment receipt from {city}"),
              _("Thank you for your payment to {city}.\n\n{items}\nAmount: {amount}\nService fee: {fee}\n"
                "Total charged: {total}\nPaid with: {method}\nDate: {date}\nReference: {reference}\n\n{posting}\n"),
              ("city", "items", "amount", "fee", "total", "method", "date", "reference", "posting"),
              "transactional", "admin",
              _("After every payment made in the portal (utility bills and other payments).")),
    EmailKind("payment_returned", _("Payment returned by the bank"),
              _("Your payment {reference} to {city} was returned by your bank"),
              _("Hello {name},\n\nYour bank returned the payment of {total} you made to {city} on {date} with "
                "{method} (reference {reference}).\n\nWhy: {reason}\n\nThe payment no longer counts towards "
                "your account: what it paid is due again. Please pay again with another payment method, or "
                "contact the office.\n\n{office_contact}\n"),
              ("city", "name", "total", "method", "date", "reference", "reason", "office_contact"),
              "transactional", "admin",
              _("When a customer's bank returns a bank account payment after it settled (an ACH return).")),
    EmailKind("payment_returned_office", _("Payment returned by the bank (office notice)"),
              _("[{city}] Payment {reference} was returned by the bank"),
              _("The customer's bank returned payment {reference} of {total} ({method}, paid {date} by {name}).\n\n"
                "Why: {reason}\n\n{items}\n\n{posting}\n\nThe payment is marked returned in Completed "
                "Payments; the customer was emailed.\n"),
              ("city", "name", "total", "method", "date", "reference", "reason", "items", "posting"),
              "transactional", "admin",
              _("To the office admins when a bank returns a payment (an ACH return).")),
    EmailKind("communications", _("New communication"),
              _("New from {city}: {description}"),
              _("Hello {name},\n\n{city} has posted a new communication for its customers: {description}.\n\n"
                "Read it here: {communication_link}\n\n{office_contact}\n"),
              COMMUNICATION_VARIABLES + CAMPAIGN_VARIABLES, "communications", "admin",
              _("The starting words of the mass email made from Utility Communications → Email it to customers.")),
    EmailKind("payment_reminder", _("Payment reminder"),
              _("Your {city} utility bill of {amount_due} is due {due_date}"),
              _("Hello {name},\n\nThis is a reminder for utility account {customer_number} at {city}: "
                "{payment_note}.\n\nPay online: {pay_link}\n\nIf you have already paid, thank you: "
                "please ignore this email.\n\n{office_contact}\n"), _BILL_VARS + ("payment_note",), "reminders",
              "utility", _("Before the due date, at the time and days set in Admin → Email Events (Payment Due).")),
    EmailKind("past_due", _("Past due"),
              _("Your {city} utility bill for account {customer_number} is past due"),
              _("Hello {name},\n\nThe bill for utility account {customer_number} at {city} was due on {due_date}: "
                "{payment_note}.\n\nPlease pay as soon as you can to avoid a penalty: {pay_link}\n\nIf you have "
                "already paid, thank you: please ignore this email.\n\n{office_contact}\n"),
              _BILL_VARS + ("days_past_due", "payment_note"), "reminders", "utility",
              _("After the due date while a balance is unpaid, as set in Admin → Email Events (Past Due).")),
    EmailKind("bill_utility", _("Utility Bills"),
              _("Your {city} utility bill for account {customer_number}"),
              _("Hello {name},\n\nYour utility bill for account {customer_number} is attached. Amount due: "
                "{amount_due}, due {due_date}.\n\nPay online: {pay_link}\n\n"
                "Read the latest from {city}: {LatestCommunicationLink}\n\n{office_contact}\n"),
              _BILL_VARS + ("bill_date", "LatestCommunicationLink"), "bills", "billing",
              _("With each utility bill sent through Splitter/Email Bills.")),
    EmailKind("bill_final", _("Final Bills"),
              _("Your final {city} utility bill for account {customer_number}"),
              _("Hello {name},\n\nYour final utility bill for account {customer_number} is attached. Amount due: "
                "{amount_due}, due {due_date}.\n\nPay online: {pay_link}\n\nThank you for being our customer."
                "\n\nRead the latest from {city}: {LatestCommunicationLink}\n\n{office_contact}\n"),
              _BILL_VARS + ("bill_date", "LatestCommunicationLink"), "bills", "billing",
              _("With each final bill sent through Splitter/Email Bills.")),
    EmailKind("bill_delinquent", _("Delinquent Notices"),
              _("Delinquent notice for {city} utility account {customer_number}"),
              _("Hello {name},\n\nThe delinquent notice for utility account {customer_number} is attached: "
                "{amount_due} is past due. Please pay by {due_date} to avoid further penalties.\n\n"
                "Pay online: {pay_link}\n\nRead the latest from {city}: {LatestCommunicationLink}\n\n"
                "{office_contact}\n"),
              _BILL_VARS + ("bill_date", "LatestCommunicationLink"), "bills", "billing",
              _("With each delinquent notice sent through Splitter/Email Bills.")),
    EmailKind("bill_ar_invoice", _("Accounts Receivable Invoices"),
              _("Invoice from {city} for account {customer_number}"),
              _("Hello {name},\n\nYour invoice from {city} for account {customer_number} is attached. Amount due: "
                "{amount_due}, due {due_date}.\n\nRead the latest from {city}: {LatestCommunicationLink}\n\n"
                "{office_contact}\n"),
              _BILL_VARS + ("bill_date", "LatestCommunicationLink"), "bills", "billing",
              _("With each Accounts Receivable invoice sent through Splitter/Email Bills.")),
)}




def kinds_for(menu: str) -> list[EmailKind]:
    """The kinds the office edits under one menu, in the registry's order."""
    return [k for k in KINDS.values() if k.menu == menu]


VARIABLE_HELP = {
    "city": _("the city's name"),
    "name": _("the customer's name"),
    "first_name": _("the person's first name"),
    "last_name": _("the person's last name"),
    "email": _("the person's email address"),
    "customer_number": _("the utility account's customer number"),
    "amount": _("the amount paid or to be paid"),
    "fee": _("the service fee"),
    "total": _("the amount with the service fee"),
    "method": _("the payment method (brand and last 4)"),
    "charge_date": _("the day AutoPay charges"),
    "due_date": _("the bill's due date"),
    "maximum": _("the customer's AutoPay maximum"),
    "pay_link": _("a link to pay online"),
    "manage_link": _("a link to manage AutoPay"),
    "office_contact": _("the office's name, phone and email"),
    "authorization": _("the AutoPay authorization the customer accepted"),
    "accepted_at": _("when the customer accepted it"),
    "next_payment": _("the next AutoPay payment"),
    "ended_at": _("the day AutoPay ended"),
    "cancelled": _("a sentence when a scheduled payment was cancelled"),
    "reason": _("why the charge was refused"),
    "expires": _("the month the card expires"),
    "days_before_due": _("days before the due date AutoPay charges"),
    "maximum_text": _("the maximum, when the office set one"),
    "accept_link": _("a link to accept the invitation"),
    "expires_on": _("the day the invitation expires"),
    "items": _("what was paid, one line each"),
    "date": _("the date and time of the payment"),
    "reference": _("the payment's reference"),
    "posting": _("the confirmation number(s), or that posting is pending"),
    "description": _("the communication's description"),
    "communication_link": _("a link to the communication"),
    "amount_due": _("the amount due"),
    "days_past_due": _("how many days past the due date"),
    "payment_note": _("what is due and when, or for an account on AutoPay the day AutoPay charges it"),
    "bill_date": _("the bill's date"),
    "LatestCommunicationLink": _("a link to the newest current communication"),
}

VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(text: str, context: dict) -> str:
    """Put the context's values in {variables}, in one pass; unknown ones and stray braces stay as typed."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        return str(context[name]) if name in context else match.group(0)

    return VARIABLE.sub(value, str(text))
