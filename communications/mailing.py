"""Sending the portal's automatic emails from their templates (the office's own words, or the defaults)."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.utils import translation

from portal.models import Tenant

from .models import EmailTemplate
from .templates_registry import KINDS, fill

logger = logging.getLogger(__name__)


def render_email(*, tenant: Tenant, kind: str, context: dict) -> tuple[str, str]:
    """(subject, body) of one kind of email for this city, with the context's variables filled in."""
    default = KINDS[kind]
    own = EmailTemplate.objects.filter(tenant=tenant, kind=kind).values_list("subject", "body").first()
    subject, body = own if own else (str(default.subject), str(default.body))
    # A subject is one line: a newline in it would let a value start new mail headers.
    subject = " ".join(fill(subject, context).split())
    return subject[:200], fill(body, context)


def send_templated(*, tenant: Tenant, kind: str, to: list[str], context: dict) -> bool:
    """Send one automatic email to these addresses; False (logged) when it could not be handed to the mailer."""
    to = [address for address in to if address]
    if not to:
        return False
    with translation.override(translation.get_language() or "en"):
        subject, body = render_email(tenant=tenant, kind=kind, context=context)
    try:
        send_mail(subject, body, None, to)
    except Exception:
        logger.exception("could not send the %s email", kind, extra={"tenant": tenant.slug})
        return False
    return True
