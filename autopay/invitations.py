"""The office's "Enroll Customer": an invitation, because the office must not type a resident's card.

The clerk chooses the account and a registered portal user or an email address, with the days
before the due date and the maximum; the person gets an email with a link, signs in (or signs
up with that address), links the account if needed, chooses the method and accepts the
authorization themselves (autopay.enrollment.enroll, with the clerk recorded as enrolled_by).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.formatting import money
from communications.mailing import office_contact, send_templated
from cows_bridge import client as cows
from cows_bridge.errors import CowsError, CowsNotFound
from cows_bridge.types import AccountSummary, normalize_customer_number
from portal.models import Tenant
from portal.tenancy import tenant_url

from .enrollment import AutoPayRefused, autopay_settings, live_enrollment
from .models import MAX_DAYS_LIMIT, Invitation

VALID_FOR = timedelta(days=14)


def account_to_invite(*, tenant: Tenant, customer_number: str) -> AccountSummary:
    """The account as Caselle has it now, if the office may invite someone to AutoPay for it (else AutoPayRefused)."""
    if not normalize_customer_number(customer_number):
        raise AutoPayRefused(_("Enter a customer number, such as 001-0042-00."), field="customer_number")
    try:
        summary = cows.get_account(tenant, customer_number)
    except CowsNotFound:
        raise AutoPayRefused(_("Caselle has no account with customer number %(number)s. Check the number (dashes "
                               "and periods may be left out).") % {"number": customer_number},
                             field="customer_number") from None
    except CowsError:
        raise AutoPayRefused(_("The billing system (COWS) cannot be reached, so the account cannot be checked. "
                               "Nothing was sent; please try again in a few minutes.")) from None
    if summary.direct_pay:
        raise AutoPayRefused(_("Account %(number)s pays by Direct Pay in Caselle. End its Direct Pay in Caselle "
                               "first, then enroll it in AutoPay.") % {"number": summary.customer_number},
                             field="customer_number")
    live = live_enrollment(tenant=tenant, account_key=summary.key)
    if live is not None:
        raise AutoPayRefused(_("AutoPay is already on for account %(number)s, run by %(email)s. Unenroll it first "
                               "to hand it to someone else.") % {"number": summary.customer_number,
                                                                  "email": live.user.email},
                             field="customer_number")
    return summary


def invite(*, tenant: Tenant, customer_number: str, email: str, days_before_due: int, max_amount: Decimal | None,
           acting_user) -> Invitation:
    """Invite the person at `email` to turn on AutoPay for this account; the email goes out from a worker."""
    limit = min(autopay_settings(tenant).max_days_before_due, MAX_DAYS_LIMIT)
    if not 0 <= days_before_due <= limit:
        raise AutoPayRefused(_("Choose from 0 to %(max)s days before the due date.") % {"max": limit},
                             field="days_before_due")
    if max_amount is not None and max_amount <= 0:
        raise AutoPayRefused(_("Enter a maximum above $0.00, or leave it empty."), field="max_amount")
    summary = account_to_invite(tenant=tenant, customer_number=customer_number)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            tenant=tenant, account_key=summary.key, customer_number=summary.customer_number,
            email=email.strip().lower(), token=secrets.token_urlsafe(32), days_before_due=days_before_due,
            max_amount=max_amount, invited_by=acting_user, expires_at=timezone.now() + VALID_FOR)
        from .tasks import send_invitation

        transaction.on_commit(lambda: send_invitation.delay(invitation.pk))
    return invitation


def send_invitation_email(*, invitation: Invitation) -> bool:
    """The invitation email with its link (sent by a worker)."""
    tenant = invitation.tenant
    context = {
        "city": tenant.name, "customer_number": invitation.customer_number,
        "days_before_due": invitation.days_before_due,
        "maximum_text": (_(", up to %(max)s") % {"max": money(invitation.max_amount)}) if invitation.max_amount else "",
        "accept_link": tenant_url(tenant, path=reverse("autopay:invitation", args=[invitation.token])),
        "expires_on": date_format(timezone.localtime(invitation.expires_at, tenant.zone), "M j, Y"),
        "office_contact": office_contact(tenant),
    }
    return send_templated(tenant=tenant, kind="autopay_invitation", to=[invitation.email], context=context,
                          key=f"autopay_invitation:{invitation.pk}", account_number=invitation.customer_number)


def open_invitation(*, tenant: Tenant, token: str) -> Invitation | None:
    """The live invitation with this token at this city, or None (unknown, used or expired alike)."""
    return (tenant.autopay_invitations.filter(token=token, accepted_at__isnull=True, expires_at__gt=timezone.now())
            .select_related("invited_by").first())


def mark_accepted(*, invitation: Invitation, enrollment) -> None:
    """The person accepted: the invitation is used up and points at the enrollment it made."""
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(accepted_at=timezone.now(),
                                                                               enrollment=enrollment)
