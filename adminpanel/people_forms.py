"""The office's people forms: find a landlord, link one to a portal user, link an account for a caller."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _


class LandlordSearchForm(forms.Form):
    """Landlord Management: search Caselle's landlords and cosigners by name or id."""

    find = forms.CharField(label=_("Landlord or cosigner"), max_length=100, strip=True,
                           help_text=_("Name, email or Caselle id."),
                           widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
                           error_messages={"required": _("Type a name, email or id to search for.")})


class LandlordLinkForm(forms.Form):
    """Link a registered portal user of the city (chosen by email) to one landlord or cosigner."""

    landlord = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    email = forms.EmailField(label=_("Portal user's email"), max_length=254,
                             help_text=_("The email they registered with on this city's portal."),
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}),
                             error_messages={"required": _("Enter the email of the portal user to link."),
                                             "invalid": _("Enter a valid email address, such as name@example.org.")})


class LinkForThemForm(forms.Form):
    """Link for them: the clerk has checked who is calling; the account is linked without the second factor."""

    customer_number = forms.CharField(
        label=_("Customer number"), max_length=30, strip=True,
        help_text=_("As on the bill, with or without dashes. Correct it if the caller mistyped it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the customer number to link.")})
    verified = forms.BooleanField(
        label=_("I verified this person's identity"),
        error_messages={"required": _("Confirm that you verified who the caller is before linking the account.")})

    def clean_customer_number(self):
        value = self.cleaned_data["customer_number"]
        if not re.fullmatch(r"[\d\s.\-]+", value) or not re.search(r"\d", value):
            raise forms.ValidationError(_("A customer number has only digits, and may have dashes, periods or "
                                          "spaces."))
        return value
