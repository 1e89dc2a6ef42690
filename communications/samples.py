"""A sample account's values for every email variable: what the editor's Preview and "Send me a test" show."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.models import Tenant
from portal.tenancy import tenant_url

from .events.selection import past_due_note
from .mailing import office_contact
from .selectors import city_today, latest_communication, latest_communication_link
from .templates_registry import KINDS, Link

SAMPLE_ACCOUNT_KEY = "1000420"
SAMPLE_CUSTOMER_NUMBER = "001-0042-00"


def _dollars(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def sample_context(*, tenant: Tenant, kind: str) -> dict:
    """Plausible values for every variable of a kind (the newest current communication for its link)."""
    today = city_today(tenant=tenant)
    due, charge = today + timedelta(days=12), today + timedelta(days=9)

    def day(d) -> str:
        return date_format(d, "M j, Y")

    def link(name: str, *args) -> str:
        return tenant_url(tenant, path=reverse(name, args=args))

    amount = Decimal("84.20")
    payment_settings = getattr(tenant, "payment_settings", None)  # the city's own card fee, when it has settings
    fee = payment_settings.fee_for("card", amount) if payment_settings is not None else Decimal("2.48")
    newest = latest_communication(tenant=tenant)
    newest_link = latest_communication_link(tenant=tenant)
    values = {
        "city": tenant.name, "name": "Jordan Rivera", "customer_number": SAMPLE_CUSTOMER_NUMBER,
        "first_name": "Jordan", "last_name": "Rivera", "email": "jordan.rivera@example.org",
        "amount": _dollars(amount), "fee": _dollars(fee), "total": _dollars(amount + fee), "method": "Visa •••• 4242",
        "charge_date": day(charge), "due_date": day(due), "maximum": "$150.00",
        "pay_link": link("pay:account", SAMPLE_ACCOUNT_KEY), "manage_link": link("autopay:manage", SAMPLE_ACCOUNT_KEY),
        "office_contact": office_contact(tenant),
        "authorization": _("I authorize %(city)s to charge the amount due on my utility account %(number)s to my "
                           "Visa •••• 4242, 3 days before each due date.") % {"city": tenant.name,
                                                                               "number": SAMPLE_CUSTOMER_NUMBER},
        "accepted_at": date_format(timezone.localtime(timezone=tenant.zone), "M j, Y g:i A"),
        "next_payment": _("Next payment: %(amount)s plus the service fee on %(date)s.") % {"amount": "$84.20",
                                                                                           "date": day(charge)},
        "ended_at": day(today), "cancelled": _("The scheduled payment that had not started was cancelled."),
        "reason": _("The card was declined."), "expires": date_format(today + timedelta(days=30), "F Y"),
        "days_before_due": "3", "maximum_text": _(", up to %(max)s") % {"max": "$150.00"},
        "accept_link": link("autopay:invitation", "sample-invitation"), "expires_on": day(today + timedelta(days=14)),
        "items": _("- Utility account %(number)s: %(amount)s") % {"number": SAMPLE_CUSTOMER_NUMBER, "amount": "$84.20"},
        "date": date_format(timezone.localtime(timezone=tenant.zone), "M j, Y g:i A"), "reference": "CCSAMPLE0042",
        "posting": _("Confirmation number(s): %(numbers)s") % {"numbers": "CR-104233"},
        "description": newest.description if newest else _("2026 Water Rates"),
        "communication_link": newest_link if newest else Link(url=link("communications:list"),
                                                              label=_("2026 Water Rates")),
        "amount_due": "$84.20", "days_past_due": "1", "bill_date": day(today - timedelta(days=6)),
        "payment_note": (past_due_note(amount="$84.20", days=1) if kind == "past_due"
                         else _("%(amount)s is due on %(date)s") % {"amount": "$84.20", "date": day(due)}),
        "LatestCommunicationLink": newest_link,
    }
    return {name: values[name] for name in KINDS[kind].variables}
