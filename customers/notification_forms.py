"""My profile's Notifications form: email and text choices per category, the mobile phone, yes to texts."""

from __future__ import annotations

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import PhoneField
from .notifications.categories import OPTIONAL


class NotificationsForm(forms.Form):
    """Built for one person: text choices are offered only once they gave a phone and said yes to texts."""

    phone = PhoneField(label=_("Mobile phone for text messages"),
                       help_text=_("A US number, e.g. (303) 555-0123. Leave it empty for no texts."))
    texts = forms.BooleanField(required=False, label=_("Send me text messages"))

    def __init__(self, *args, offer_texts: bool, city_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_texts = offer_texts
        self.fields["texts"].label = _("Send me text messages from %(city)s") % {"city": city_name}
        for category in OPTIONAL:
            self.fields[f"email_{category.value}"] = forms.BooleanField(required=False, label=_("By email"))
            if offer_texts:
                self.fields[f"text_{category.value}"] = forms.BooleanField(required=False, label=_("By text message"))

    def clean(self):
        data = super().clean()
        if data.get("texts") and "phone" in data and not data["phone"]:
            self.add_error("phone", _("Enter your mobile phone number to get text messages, "
                                      "or untick “Send me text messages”."))
        return data

    def categories(self) -> list[dict]:
        """Per category: its label and its bound checkboxes (the template's fieldsets)."""
        return [{"value": c.value, "label": c.label, "email": self[f"email_{c.value}"],
                 "text": self[f"text_{c.value}"] if self.offer_texts else None} for c in OPTIONAL]

    def choices(self) -> dict:
        """What to save: save_preferences' keyword arguments besides the city and the person."""
        data = self.cleaned_data
        return {
            "email": {c.value: data[f"email_{c.value}"] for c in OPTIONAL},
            "text": {c.value: data[f"text_{c.value}"] for c in OPTIONAL} if self.offer_texts else None,
            "phone": data["phone"], "texts": data["texts"],
        }


def initial_for(choices: dict, *, phone: str) -> dict:
    """The form's initial values from choices_of() (a US phone shown as people write it)."""
    initial = {"phone": phone_as_written(phone), "texts": choices["texts"]}
    initial.update({f"email_{k}": v for k, v in choices["email"].items()})
    initial.update({f"text_{k}": v for k, v in choices["text"].items()})
    return initial


def phone_as_written(phone: str) -> str:
    """+13035550123 → (303) 555-0123; a number of another country stays in E.164."""
    if not phone.startswith("+1"):
        return phone
    return phonenumbers.format_number(phonenumbers.parse(phone), phonenumbers.PhoneNumberFormat.NATIONAL)
