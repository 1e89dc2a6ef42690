from __future__ import annotations

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _


def normalize_phone(raw: str, region: str = "US") -> str:
    """A mobile number in E.164 (+13035550123), or a ValidationError naming the problem."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise forms.ValidationError(_("Enter a phone number like (303) 555-0123.")) from None
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(_("This is not a valid phone number. Check the digits and area code."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class PhoneField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("label", _("Mobile phone (optional)"))
        kwargs.setdefault("help_text", _("Only if you want text messages from the city."))
        super().__init__(**kwargs)

    def clean(self, value):
        return normalize_phone(super().clean(value))


class SignupForm(forms.Form):
    """The fields allauth's signup form adds to email and passwords."""

    phone = PhoneField()

    def signup(self, request, user) -> None:
        user.phone = self.cleaned_data.get("phone", "")
        user.save(update_fields=["phone"])


class ProfileForm(forms.Form):
    phone = PhoneField()
