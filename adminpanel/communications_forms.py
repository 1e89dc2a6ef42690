"""The office's Utility Communications forms: upload PDFs, and the pencil (description and expiry date).

The forms only read what was typed or chosen; the rules (a PDF by its content, the size limit,
the description's length, an expiry date after today) are communications.services', whose
refusals are shown on these fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communications.services import DESCRIPTION_LIMIT, MAX_FILES_PER_UPLOAD, MAX_PDF_BYTES

from .listing import DateInput

PDF_ACCEPT = ".pdf,application/pdf"
DATE_INVALID = _("Enter a date, such as 2026-12-31.")


class MultiplePdfInput(forms.FileInput):
    allow_multiple_selected = True


class PdfFilesField(forms.FileField):
    """Every chosen file, as a list; each one is checked by communications.services, not here."""

    widget = MultiplePdfInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.attrs.update({"accept": PDF_ACCEPT, "multiple": True})

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


def _expiry_field(help_text) -> forms.DateField:
    return forms.DateField(label=_("Expires on (optional)"), required=False, widget=DateInput(),
                           help_text=help_text, error_messages={"invalid": DATE_INVALID})


class UploadForm(forms.Form):
    """Upload Attachment(s): one or several PDFs, each described by its file name until edited."""

    files = PdfFilesField(label=_("PDF files"))
    expires_on = _expiry_field(_("Hidden from customers from this date on. Leave empty to keep them."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = gettext(
            "Choose one or more PDF files (up to %(count)s at a time, %(size)s MB each). Each one's description "
            "is its file name until you change it with the pencil.") % {
            "count": MAX_FILES_PER_UPLOAD, "size": MAX_PDF_BYTES // (1024 * 1024)}


class EditForm(forms.Form):
    """The pencil: what customers see of a communication, and the date it disappears."""

    description = forms.CharField(label=_("Description"), required=False, widget=forms.TextInput(
        attrs={"maxlength": DESCRIPTION_LIMIT, "aria-required": "true"}))
    expires_on = _expiry_field(_("Hidden from customers from this date on. Leave empty to keep it."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].help_text = gettext(
            "What customers see in their list of communications (up to %(max)s characters).") % {
            "max": DESCRIPTION_LIMIT}


def refusal_to_form(form: forms.Form, refused: ValidationError, *, rename: dict[str, str] | None = None) -> None:
    """The domain's refusal, keyed by field, shown on the form's fields (or above it for any other key)."""
    rename = rename or {}
    for name, errors in refused.error_dict.items():
        name = rename.get(name, name)
        form.add_error(name if name in form.fields else None, errors)
