"""A campaign's words: checked like the email editor's, and rendered once per campaign, then per person cheaply.

The body is sanitized and its city-wide variables filled once (communications.rich_text, the safe
renderer); each person's values stand in it as markers. Rendering for one person is then joining
strings, with their values HTML-escaped: the same output as the renderer, at thousands a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communications import email_templates, rich_text
from communications.mailing import office_contact, one_line
from communications.templates_registry import CAMPAIGN_VARIABLES, EmailKind, fill
from communications.templates_registry import VARIABLE_HELP as EMAIL_VARIABLE_HELP
from portal.models import Tenant

PER_PERSON = ("first_name", "last_name", "name", "email")
VARIABLES = CAMPAIGN_VARIABLES
VARIABLE_HELP = {**{v: EMAIL_VARIABLE_HELP[v] for v in VARIABLES}, "name": gettext_lazy("the person's full name")}
# What the email editor's checks need to know of a campaign: its variables (none is a link).
KIND = EmailKind("campaign", gettext_lazy("Mass email"), "", "", VARIABLES, "newsletters", "admin")
MARKER = re.compile("\ue000([a-z_]+)\ue001")
SUBJECT_LIMIT = 200
# A text of up to 3 parts; each part of a longer text carries 153 characters (67 with other than GSM letters).
TEXT_LIMIT = 459
GSM = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = frozenset("^{}\\[~]|€")


def clean_subject(subject: str) -> str:
    """One line of plain text with known variables, at most 200 characters."""
    return email_templates.clean_subject(KIND, subject)


def clean_body(body: str) -> str:
    """Sanitized HTML with known variables (scripts, pictures and colours removed), not empty."""
    return email_templates.clean_body(KIND, body)


def text_parts(body: str) -> tuple[int, int]:
    """(characters as the phone network counts them, parts) of a text: 160 a part in GSM letters, else 70."""
    gsm = all(ch in GSM or ch in GSM_EXTENDED for ch in body)
    length = sum(2 if ch in GSM_EXTENDED else 1 for ch in body) if gsm else len(body)
    single, multi = (160, 153) if gsm else (70, 67)
    return length, (1 if length <= single else -(-length // multi)) if length else 0


def clean_text_body(body: str) -> str:
    """A text's words: plain, known variables, at most 3 parts."""
    body = " ".join((body or "").replace("\r", "").split(" ")).strip()
    if not body:
        raise ValidationError(_("Write the text message, or turn off “Also by text”."), code="required")
    if rich_text.looks_like_html(body):
        raise ValidationError(_("A text message is plain words: remove the < > tags."), code="html")
    email_templates.check_variables(KIND, body)
    length, parts = text_parts(fill(body, {"city": "x" * 20, "first_name": "x" * 10}))
    if parts > 3:
        raise ValidationError(_("Keep the text to 3 parts (about %(max)s characters); it has %(count)s.")
                              % {"max": TEXT_LIMIT, "count": length}, code="max_length")
    return body


def person_values(*, first_name: str, last_name: str, email: str, holder_first: str = "",
                  holder_last: str = "") -> dict[str, str]:
    """A person's values: their own name, else the name on their linked account (Caselle's), else "Customer"."""
    first, last = (first_name, last_name) if (first_name or last_name) else (holder_first or "", holder_last or "")
    fallback = _("Customer")
    return {"first_name": first or fallback, "last_name": last,
            "name": f"{first} {last}".strip() or fallback, "email": email}


def _split(text: str) -> tuple[str, ...]:
    """Literal text and variable names, alternating (literal first and last)."""
    return tuple(MARKER.split(text))


def _join(parts: tuple[str, ...], values: dict[str, str], quote) -> str:
    return "".join(part if i % 2 == 0 else quote(values[part]) for i, part in enumerate(parts))


def _html_value(value: str) -> str:
    return escape(value, quote=False)


def _text_value(value: str) -> str:
    return " ".join(value.split())


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class CompiledMessage:
    """A campaign's subject, HTML and text with each person's values still to be put in."""

    subject: tuple[str, ...]
    html: tuple[str, ...]
    text: tuple[str, ...]
    sms: tuple[str, ...] = ("",)

    def render(self, values: dict[str, str]) -> Rendered:
        return Rendered(subject=one_line(_join(self.subject, values, _text_value)),
                        text=_join(self.text, values, _text_value), html=_join(self.html, values, _html_value))

    def render_text(self, values: dict[str, str]) -> str:
        return _join(self.sms, values, _text_value)


def compile_message(*, tenant: Tenant, subject: str, body: str, text_body: str = "") -> CompiledMessage:
    """Sanitize and fill the city's values once; each person's values become markers to fill later."""
    context = {"city": tenant.name, "office_contact": office_contact(tenant)}
    context.update({name: f"\ue000{name}\ue001" for name in PER_PERSON})
    html = rich_text.render_html(body, context)
    return CompiledMessage(subject=_split(fill(subject, context)), html=_split(html),
                           text=_split(rich_text.to_text(html)), sms=_split(fill(text_body, context)))


def render_one(*, tenant: Tenant, subject: str, body: str, values: dict[str, str]) -> Rendered:
    """One person's message, for a preview or a test."""
    return compile_message(tenant=tenant, subject=subject, body=body).render(values)

