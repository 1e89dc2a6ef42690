"""The forms of Office staff: inviting an office admin, removing one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class InviteAdminForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254,
                             help_text=_("They get a link that works once, for 7 days. They accept it signed in "
                                         "with this address (or after creating an account with it)."),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}),
                             error_messages={"required": _("Enter the email address of the person to invite."),
                                             "invalid": _("Enter a valid email address, such as name@example.org."),
                                             "max_length": _("An email address has at most %(limit_value)d "
                                                             "characters (this one has %(show_value)d).")})

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RemoveAdminForm(forms.Form):
    """Removing someone else needs only the button; removing yourself needs the box ticked."""

    understood = forms.BooleanField(label=_("I understand that I lose the office screens at once"), required=False)

    def __init__(self, *args, removing_self: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.removing_self = removing_self
        if not removing_self:
            del self.fields["understood"]

    def clean_understood(self):
        if self.removing_self and not self.cleaned_data.get("understood"):
            raise forms.ValidationError(_("Tick this box to remove yourself: you lose the office screens at once."))
        return True
