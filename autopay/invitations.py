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
from django.utils.translation import gettext as _

from billing.formatting import money
from communications.mailing import send_templated
from portal.models import Tenant
from portal.tenancy import tenant_url

from .enrollment import AutoPayRefused, autopay_settings, check_eligibility, read_account
from .models import MAX_DAYS_LIMIT, Invitation
from .notices import office_contact

VALID_FOR = timedelta(days=14)


def invite(*, tenant: Tenant, customer_number: str, email: str, days_before_due: int, max_amount: Decimal | None,
           acting_user) -> Invitation:
    """Invite the person at `email` to turn on AutoPay for this account; the email goes out from a worker."""
    limit = min(autopay_settings(tenant).max_days_before_due, MAX_DAYS_LIMIT)
    if not 0 <= days_before_due <= limit:
        raise AutoPayRefused(_("Choose from 0 to %(max)s days before the due date.") % {"max": limit},
                             field="days_before_due")
    if max_amount is not None and max_amount <= 0:
        raise AutoPayRefused(_("Enter a maximum above $0.00, or leave it empty."), field="max_amount")
    summary = read_account(tenant=tenant, customer_number=customer_number)
    check_eligibility(tenant=tenant, user=None, summary=summary)
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
        "expires_on": timezone.localtime(invitation.expires_at, tenant.zone).strftime("%b %d, %Y"),
        "office_contact": office_contact(tenant),
    }
    return send_templated(tenant=tenant, kind="autopay_invitation", to=[invitation.email], context=context)


def open_invitation(*, tenant: Tenant, token: str) -> Invitation | None:
    """The live invitation with this token at this city, or None (unknown, used or expired alike)."""
    return (tenant.autopay_invitations.filter(token=token, accepted_at__isnull=True, expires_at__gt=timezone.now())
            .select_related("invited_by").first())


def mark_accepted(*, invitation: Invitation, enrollment) -> None:
    """The person accepted: the invitation is used up and points at the enrollment it made."""
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(accepted_at=timezone.now(),
                                                                               enrollment=enrollment)
