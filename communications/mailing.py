"""Sending the portal's automatic emails from their templates (the office's own words, or the defaults).

Every email is multipart: the HTML body (sanitized, variables filled safely) and a plain-text part
made from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from portal.models import Tenant

from . import rich_text
from .models import EmailTemplate
from .templates_registry import KINDS, fill

SUBJECT_LIMIT = 200


def office_contact(tenant: Tenant) -> str:
    """The office's name, phone and email as an email's footer says them."""
    settings = getattr(tenant, "portal_settings", None)
    parts = [tenant.name] + [p for p in (getattr(settings, "office_phone", ""), getattr(settings, "office_email", ""))
                             if p]
    return " · ".join(parts)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def default_template(kind: str) -> tuple[str, str]:
    """The registry's (subject, HTML body) of a kind, in the current language."""
    default = KINDS[kind]
    return str(default.subject), rich_text.as_html(str(default.body))


def current_template(*, tenant: Tenant, kind: str) -> tuple[str, str, EmailTemplate | None]:
    """(subject, HTML body, the office's row or None) this city sends for a kind now."""
    own = EmailTemplate.objects.filter(tenant=tenant, kind=kind).select_related("updated_by").first()
    if own is None:
        return (*default_template(kind), None)
    return own.subject, rich_text.as_html(own.body), own


def one_line(text: str) -> str:
    """A subject as mail headers need it: one line, no control characters, at most 200 characters."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())[:SUBJECT_LIMIT]


def render(*, subject: str, body: str, context: dict) -> RenderedEmail:
    """A subject and an HTML body with the context's variables filled, and the plain-text part."""
    html = rich_text.render_html(body, context)
    return RenderedEmail(subject=one_line(fill(subject, context)), text=rich_text.to_text(html), html=html)


def render_email(*, tenant: Tenant, kind: str, context: dict) -> RenderedEmail:
    """One kind of email for this city, with the context's variables filled in."""
    subject, body, _own = current_template(tenant=tenant, kind=kind)
    return render(subject=subject, body=body, context=context)


def html_document(body: str, *, lang: str | None = None) -> str:
    lang = lang or translation.get_language() or "en"
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"></head>'
            f'<body style="font-family: sans-serif; line-height: 1.5">\n{body}\n</body></html>\n')


def send_templated(*, tenant: Tenant, kind: str, to: list[str], context: dict, key: str, user=None,
                   account_number: str = "") -> bool:
    """Queue one automatic email to these addresses (the outbox sends it once per key); False when none queued."""
    from .outbox import queue_templated

    return queue_templated(tenant=tenant, kind=kind, to=to, context=context, key=key, category=KINDS[kind].category,
                           user=user, account_number=account_number) > 0
