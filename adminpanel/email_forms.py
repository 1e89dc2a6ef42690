"""The office's email template form: a one-line subject and a rich-text body, checked by communications."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from communications import email_templates
from communications.templates_registry import EmailKind


class EmailTemplateForm(forms.Form):
    """Admin → Email, Utility Admin → Email and Billing Emails: one kind's subject and body."""

    subject = forms.CharField(label=_("Subject"), max_length=400, strip=False,
                              help_text=_("One line of plain text. Variables may be used here too."),
                              error_messages={"required": _("Enter a subject.")})
    body = forms.CharField(label=_("Body"), strip=False, required=False,
                           help_text=_("Bold, italic, underline, links, lists, headings and quotes are kept; "
                                       "anything else (pictures, colours, scripts) is removed when saved."),
                           widget=forms.Textarea(attrs={"rows": 14, "data-rich-text": ""}))

    def __init__(self, *args, kind: EmailKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind

    def clean_subject(self):
        return email_templates.clean_subject(self.kind, self.cleaned_data["subject"])

    def clean_body(self):
        return email_templates.clean_body(self.kind, self.cleaned_data["body"])
