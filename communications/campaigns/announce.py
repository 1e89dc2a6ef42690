"""Utility Communications → Email it to customers: a mass email draft about one communication, to review and send.

Its words are the city's "New communication" email (communications/templates_registry.py, kind
"communications"): the communication's own variables are filled in now by the safe renderer, and the
campaign's variables ({first_name}, {name}, {city}, …) stay for the campaign to fill when it is sent.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from communications import rich_text
from communications.mailing import current_template
from communications.models import Communication
from communications.selectors import communication_link
from communications.templates_registry import fill
from customers.models import User

from . import compose
from .models import Campaign
from .services import COMMUNICATION, Draft, save_draft

KIND = "communications"


def announcement_words(*, communication: Communication) -> tuple[str, str]:
    """The city's New communication subject and HTML body with this communication's values filled in."""
    description = communication.description
    if "{" in description or "}" in description:  # in a mass email a brace can only start or end a variable
        raise ValidationError(_("Its description has a { or }, which a mass email cannot carry: change the "
                                "description with the pencil, then try again."), code="brace")
    subject, body, _own = current_template(tenant=communication.tenant, kind=KIND)
    values = {"description": description, "communication_link": communication_link(communication=communication)}
    subject = fill(subject, values)
    if len(subject) > compose.SUBJECT_LIMIT:
        raise ValidationError(_("Its subject would have %(count)s characters, over the %(max)s a subject may have: "
                                "shorten the description with the pencil, or the New communication email's subject "
                                "in Admin → Email.") % {"count": len(subject), "max": compose.SUBJECT_LIMIT},
                              code="max_length")
    return subject, rich_text.render_html(body, values)


def draft_announcement(*, communication: Communication, acting_user: User) -> Campaign:
    """A draft mass email about a current communication: its PDF attached, to all Utility Billing users."""
    subject, body = announcement_words(communication=communication)
    draft = Draft(subject=subject, body=body, audience=Campaign.Audience.BILLING, attachment=COMMUNICATION,
                  communication=communication)
    return save_draft(tenant=communication.tenant, draft=draft, acting_user=acting_user)
