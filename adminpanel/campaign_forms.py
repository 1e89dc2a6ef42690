"""Create Communications' forms: composing a mass email (words, attachment, audience, text) and the list's filters.

The forms read what was typed or chosen; the rules (sanitizing, variables, the PDF's content and size,
the text's length) are communications.campaigns', whose refusals are shown on these fields.
"""

from __future__ import annotations

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communications.campaigns import compose
from communications.campaigns.audience import chosen_members
from communications.campaigns.models import Campaign
from communications.campaigns.services import COMMUNICATION, NO_ATTACHMENT, UPLOAD, Draft
from communications.selectors import current_communications
from communications.services import MAX_PDF_BYTES

from .communications_forms import PDF_ACCEPT
from .listing import OfficeFilterSet
from .people_selectors import person_name

ATTACHMENTS = ((NO_ATTACHMENT, _("No attachment")), (COMMUNICATION, _("A current Utility Communication")),
               (UPLOAD, _("A PDF from my computer")))


def person_label(user) -> str:
    name = person_name(user)
    return f"{name} <{user.email}>" if name else user.email


class CampaignForm(forms.Form):
    """Create Communications: subject, rich-text body, attachment, who receives it, and the text message."""

    subject = forms.CharField(label=_("Subject"), max_length=400, strip=False,
                              error_messages={"required": _("Enter a subject.")},
                              help_text=_("One line of plain text. Variables may be used here too."))
    body = forms.CharField(label=_("Body"), strip=False, required=False,
                           help_text=_("Bold, italic, links, lists, headings and quotes are kept; anything else "
                                       "(pictures, colours, scripts) is removed when saved."),
                           widget=forms.Textarea(attrs={"rows": 12, "data-rich-text": ""}))
    attachment = forms.ChoiceField(label=_("Attachment"), choices=ATTACHMENTS, initial=NO_ATTACHMENT,
                                   widget=forms.RadioSelect)
    communication = forms.ModelChoiceField(label=_("Utility Communication"), queryset=None, required=False,
                                           empty_label=_("Choose a communication"),
                                           error_messages={"invalid_choice": _("Choose one of the current "
                                                                               "communications.")})
    pdf = forms.FileField(label=_("PDF file"), required=False, widget=forms.ClearableFileInput(
        attrs={"accept": PDF_ACCEPT}), help_text=_("A PDF of up to %(size)s MB. It is sent with every email.")
        % {"size": MAX_PDF_BYTES // (1024 * 1024)})
    audience = forms.ChoiceField(label=_("Send to"), choices=Campaign.Audience.choices, initial=Campaign.Audience.ALL,
                                 widget=forms.RadioSelect)
    q = forms.CharField(label=_("Find people"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}),
                        help_text=_("Email, name (theirs or the account holder's) or customer number; then tick "
                                    "the people to send to."))
    chosen = forms.TypedMultipleChoiceField(label=_("Chosen people"), coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            error_messages={"invalid_choice": _("Someone ticked is not a portal "
                                                                                "user of this city: search again.")})
    also_by_text = forms.BooleanField(label=_("Also by text message"), required=False,
                                      help_text=_("Sent to the people who gave a mobile number and agreed to texts "
                                                  "from the city (newsletters not turned off)."))
    text_body = forms.CharField(label=_("Text message"), required=False, strip=False,
                                widget=forms.Textarea(attrs={"rows": 3, "data-text-counter": ""}),
                                help_text=_("Plain words. 160 characters make one text; longer ones go in parts "
                                            "of 153 (at most 3)."))

    def __init__(self, *args, tenant, found=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["communication"].queryset = current_communications(tenant=tenant)
        ids = self.data.getlist("chosen") if self.is_bound else self.initial.get("chosen", ())
        people = {u.pk: u for u in chosen_members(tenant=tenant, user_ids=ids)}
        people.update({u.pk: u for u in found})
        self.fields["chosen"].choices = [(pk, person_label(u)) for pk, u in people.items()]

    def draft(self) -> Draft:
        data = self.cleaned_data
        return Draft(subject=data["subject"], body=data["body"], audience=data["audience"],
                     chosen_ids=tuple(data["chosen"]), attachment=data["attachment"],
                     communication=data["communication"], pdf=data["pdf"] or None,
                     also_by_text=data["also_by_text"], text_body=data["text_body"])


def initial_for(campaign: Campaign) -> dict:
    """The compose form's values for a saved draft."""
    attachment = COMMUNICATION if campaign.communication_id else UPLOAD if campaign.pdf else NO_ATTACHMENT
    return {"subject": campaign.subject, "body": campaign.body, "audience": campaign.audience,
            "chosen": list(campaign.chosen.values_list("pk", flat=True)), "attachment": attachment,
            "communication": campaign.communication_id, "also_by_text": campaign.also_by_text,
            "text_body": campaign.text_body}


VARIABLES = [{"name": v, "help": compose.VARIABLE_HELP[v]} for v in compose.VARIABLES]


class CampaignFilter(OfficeFilterSet):
    """The list of campaigns: a search over the subject and the sender, and the state."""

    q = df.CharFilter(label=_("Search"), method="search", max_length=100,
                      help_text=_("Words of the subject, or who sent it."),
                      widget=forms.TextInput(attrs={"type": "search"}))
    state = df.ChoiceFilter(label=_("State"), choices=Campaign.State.choices, empty_label=_("Any"))

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(subject__icontains=word) | Q(sent_by__email__icontains=word)
                                       | Q(created_by__email__icontains=word))
        return queryset
