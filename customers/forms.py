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


def parse_amount(raw: str):
    """'$1,234.50' → Decimal('1234.50'), None when empty; a ValidationError for anything that is not money."""
    from billing.payments.amounts import CheckoutError, parse_amount as parse_money

    if not (raw or "").strip():
        return None
    try:
        return parse_money(raw, allow_zero=True)
    except CheckoutError as exc:
        raise forms.ValidationError(str(exc)) from None


class LinkAccountForm(forms.Form):
    customer_number = forms.CharField(
        label=_("Customer number"), max_length=30,
        help_text=_("As printed on your bill, with or without dashes, e.g. 001-0042-00."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label=_("Last name on the account"), max_length=100, required=False,
        help_text=_("As the utility office has it; capital letters don't matter."),
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    last_billed_amount = forms.CharField(
        label=_("Or: the amount of your last bill"), max_length=20, required=False,
        help_text=_("Instead of the last name, e.g. $84.12."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean_customer_number(self):
        import re

        value = self.cleaned_data["customer_number"]
        if not re.fullmatch(r"[\d\s.\-]+", value.strip()) or not re.search(r"\d", value):
            raise forms.ValidationError(_("A customer number has only digits, and may have dashes, periods or spaces."))
        return value.strip()

    def clean_last_billed_amount(self):
        return parse_amount(self.cleaned_data.get("last_billed_amount", ""))

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("last_name") or "").strip() and data.get("last_billed_amount") is None:
            raise forms.ValidationError(_("Enter the last name on the account, or the amount of your last bill."))
        return data
