"""Writes of the office's email templates: checking, saving, going back to the default, a test send.

Bodies are sanitized here before they are stored (and again when they are rendered); subjects are one
line of plain text. A {variable} the kind does not have is refused with the list of those it has.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import User
from portal.models import Tenant
from portal.portal_settings import plain_text_problem

from . import rich_text
from .mailing import RenderedEmail, current_template, default_template, render
from .models import EmailTemplate
from .samples import sample_context
from .templates_registry import KINDS, LINK_VARIABLES, EmailKind

logger = logging.getLogger(__name__)

FIELDS = ("subject", "body")
BODY_LIMIT = 20000


def _names(kind: EmailKind) -> str:
    return ", ".join("{%s}" % v for v in kind.variables)


def check_variables(kind: EmailKind, text: str) -> None:
    """Every {…} names one of the kind's variables, and no brace stands alone; ValidationError otherwise."""
    unknown = [m.group(0) for m in rich_text.BRACED.finditer(text) if m.group(1) not in kind.variables]
    if unknown:
        first = unknown[0]
        raise ValidationError(_("%(unknown)s is not a variable of this email; it has: %(names)s.")
                              % {"unknown": first, "names": _names(kind)}, code="unknown_variable")
    if "{" in rich_text.BRACED.sub("", text) or "}" in rich_text.BRACED.sub("", text):
        raise ValidationError(_("A { or } is not part of a variable. Write variables exactly as listed, such as "
                                "{city}, with both braces."), code="stray_brace")


def clean_subject(kind: EmailKind, subject: str) -> str:
    """A subject as it may be saved: one line of plain text (no HTML tag) with known variables."""
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError(_("Enter a subject."), code="required")
    if "\n" in subject or "\r" in subject:
        raise ValidationError(_("The subject must be one line: remove the line break."), code="newline")
    if any(not ch.isprintable() for ch in subject):
        raise ValidationError(_("The subject contains a control character (such as a tab). Type it again "
                                "without it."), code="control")
    if plain_text_problem(subject):  # a subject is read as typed, never as HTML
        raise ValidationError(plain_text_problem(subject), code="html")
    if len(subject) > EmailTemplate._meta.get_field("subject").max_length:
        raise ValidationError(_("Keep the subject to %(max)s characters.")
                              % {"max": EmailTemplate._meta.get_field("subject").max_length}, code="max_length")
    check_variables(kind, subject)
    return subject


def clean_body(kind: EmailKind, body: str) -> str:
    """A body as it may be saved: sanitized HTML with known variables (plain text becomes paragraphs)."""
    if len(body or "") > BODY_LIMIT:
        raise ValidationError(_("Keep the body to %(max)s characters.") % {"max": BODY_LIMIT}, code="max_length")
    html = rich_text.as_html(body or "")
    if not rich_text.to_text(html).strip():
        raise ValidationError(_("Enter the body of the email."), code="required")
    check_variables(kind, html)
    for href in rich_text.hrefs(html):
        name = href[1:-1] if rich_text.ALONE.match(href) else None
        if name and name not in LINK_VARIABLES:
            links = ", ".join("{%s}" % v for v in kind.links) or _("none")
            raise ValidationError(_("%(variable)s is not an address, so it cannot be a link's address. Link "
                                    "variables of this email: %(links)s.") % {"variable": href, "links": links},
                                  code="not_a_link")
    return html


def _snapshot(tenant: Tenant, kind: str) -> dict:
    subject, body, _own = current_template(tenant=tenant, kind=kind)
    return {"subject": subject, "body": body}


@transaction.atomic
def save_email_template(*, tenant: Tenant, kind: str, subject: str, body: str,
                        acting_user: User) -> tuple[dict, dict]:
    """Save the office's subject and body for a kind; returns (before, after); the defaults again store no row."""
    email_kind = KINDS[kind]
    subject, body = clean_subject(email_kind, subject), clean_body(email_kind, body)
    before = _snapshot(tenant, kind)
    if (subject, body) == default_template(kind):
        EmailTemplate.objects.filter(tenant=tenant, kind=kind).delete()
    elif (subject, body) != (before["subject"], before["body"]):
        EmailTemplate.objects.update_or_create(tenant=tenant, kind=kind, defaults={
            "subject": subject, "body": body, "updated_at": timezone.now(), "updated_by": acting_user})
    logger.info("email template saved", extra={"kind": kind, "acting_user_id": acting_user.id})
    return before, {"subject": subject, "body": body}


@transaction.atomic
def reset_email_template(*, tenant: Tenant, kind: str, acting_user: User) -> tuple[dict, dict] | None:
    """Back to the default subject and body; None when the city already uses them."""
    before = _snapshot(tenant, kind)
    deleted, _rows = EmailTemplate.objects.filter(tenant=tenant, kind=kind).delete()
    if not deleted:
        return None
    logger.info("email template reset", extra={"kind": kind, "acting_user_id": acting_user.id})
    return before, _snapshot(tenant, kind)


def preview(*, tenant: Tenant, kind: str, subject: str, body: str) -> RenderedEmail:
    """A subject and body (checked) rendered with the sample account's values."""
    email_kind = KINDS[kind]
    return render(subject=clean_subject(email_kind, subject), body=clean_body(email_kind, body),
                  context=sample_context(tenant=tenant, kind=kind))


def send_test_email(*, tenant: Tenant, kind: str, subject: str, body: str, acting_user: User) -> RenderedEmail:
    """Send the subject and body, with the sample account's values, to the clerk's own address ("[Test] …")."""
    email = preview(tenant=tenant, kind=kind, subject=subject, body=body)
    email = RenderedEmail(subject=(_("[Test]") + " " + email.subject)[:200], text=email.text, html=email.html)
    from .outbox import queue_email

    queue_email(tenant=tenant, kind=kind, to=[acting_user.email], subject=email.subject, text=email.text,
                html=email.html, user=acting_user, source="test")
    logger.info("email template test sent", extra={"kind": kind, "acting_user_id": acting_user.id})
    return email


def receipt_templates_to_copy(rows, *, default_subject: str, default_body: str) -> list[tuple[int, str, str]]:
    """(tenant id, subject, HTML body) for each city whose receipt subject or body differs from the defaults.

    `rows` are (tenant id, receipt_subject, receipt_body) from the payment settings, whose format wrote a
    brace itself twice ({{ and }}); the body becomes HTML paragraphs.
    """
    copies = []
    for tenant_id, subject, body in rows:
        if subject == default_subject and body == default_body:
            continue
        subject = " ".join((subject or default_subject).replace("{{", "{").replace("}}", "}").split())
        body = (body or default_body).replace("{{", "{").replace("}}", "}")
        copies.append((tenant_id, subject[:200], rich_text.as_html(body)))
    return copies
