"""The office's COWS forms: the connection (address and write-only key) and who gets the outage alert."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext_lazy as _

from customers.models import Membership

from .notify import person

EXTRA_EMAILS_LIMIT = 10


class ConnectionForm(forms.Form):
    """Admin - COWS: the address of the office's Caselle Online Web Service and its key (write-only)."""

    cows_url = forms.CharField(
        label=_("COWS address"), max_length=200, strip=True,
        help_text=_("The web address your trainer or Caselle support gave you, starting with https://."),
        error_messages={"required": _("Enter the COWS address."),
                        "max_length": _("A COWS address has at most %(limit_value)d characters.")},
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}))
    cows_api_key = forms.CharField(
        label=_("COWS key"), required=False, max_length=200, strip=True,
        error_messages={"max_length": _("A COWS key has at most %(limit_value)d characters.")},
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, tenant, **kwargs):
        kwargs.setdefault("initial", {"cows_url": tenant.cows_url})
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.key_is_set = bool(tenant.cows_api_key)
        self.fields["cows_api_key"].help_text = (_("Set. Leave empty to keep it; type a new one to replace it.")
                                                 if self.key_is_set else _("Not set."))

    def clean_cows_url(self):
        url = self.cleaned_data["cows_url"]
        schemes = ["https"] if settings.PRODUCTION else ["http", "https"]
        parts = urlsplit(url)
        if parts.scheme.lower() not in schemes:
            raise ValidationError(_("The COWS address must start with https://.") if settings.PRODUCTION
                                  else _("The COWS address must start with https:// (or http:// for a test server)."))
        try:
            URLValidator(schemes=schemes)(url)
        except ValidationError:
            raise ValidationError(_("Enter the whole web address, such as https://cows.example.gov/api/v1/offices/"
                                    "city.")) from None
        if parts.username or parts.password or parts.query or parts.fragment:
            # It may hold a password or the key: not shown back in the page.
            self.data = self.data.copy()
            self.data[self.add_prefix("cows_url")] = ""
            raise ValidationError(_("Enter the address only: no user name, password, ? or # part. The key goes "
                                    "in its own box."))
        return url.rstrip("/")

    def clean_cows_api_key(self):
        key = self.cleaned_data["cows_api_key"]
        if key and (any(c.isspace() for c in key) or not key.isprintable()):
            raise ValidationError(_("A COWS key has no spaces or line breaks: copy it again."))
        if not key and not self.key_is_set:
            raise ValidationError(_("Enter the COWS key."))
        return key


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


class AlertRecipientsForm(forms.Form):
    """Admin - COWS: who gets the "COWS is not running" email."""

    EVERYONE, CHOSEN = "all", "chosen"

    who = forms.ChoiceField(
        label=_("Who gets the \"COWS is not running\" email"), widget=forms.RadioSelect(attrs={"class": "choices"}),
        choices=[(EVERYONE, _("Every office admin")), (CHOSEN, _("Only the office admins ticked below"))])
    admins = forms.ModelMultipleChoiceField(
        label=_("Office admins"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        error_messages={"invalid_choice": _("Choose among this city's office admins."),
                        "invalid_pk_value": _("Choose among this city's office admins.")})
    extra_emails = forms.CharField(
        label=_("Also send it to these addresses"), required=False, max_length=2000,
        help_text=_("One email address a line, such as your IT contact. At most %(limit)d.")
        % {"limit": EXTRA_EMAILS_LIMIT},
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}))

    def __init__(self, *args, tenant, alert_settings, chosen_ids, **kwargs):
        kwargs.setdefault("initial", {"who": self.EVERYONE if alert_settings.all_admins else self.CHOSEN,
                                      "admins": chosen_ids, "extra_emails": alert_settings.extra_emails})
        super().__init__(*args, **kwargs)
        from customers.models import User

        self.fields["admins"].queryset = User.objects.filter(
            memberships__tenant=tenant, memberships__role=Membership.Role.OFFICE_ADMIN, is_active=True
        ).order_by("email")
        self.fields["admins"].label_from_instance = person

    def clean_extra_emails(self):
        addresses, bad = [], []
        # One per line or separated by commas or semicolons; spaces separate addresses only when every word is one,
        # so "not an email" is reported as the line it is.
        for piece in re.split(r"[,;\n]", self.cleaned_data["extra_emails"]):
            words = piece.split()
            if words and all(_is_email(w) for w in words):
                addresses.extend(words)
            elif words:
                bad.append(" ".join(words))
        if bad:
            raise ValidationError(_("These are not email addresses: %(bad)s.") % {"bad": ", ".join(bad)})
        addresses = list(dict.fromkeys(a.lower() for a in addresses))
        if len(addresses) > EXTRA_EMAILS_LIMIT:
            raise ValidationError(_("At most %(limit)d extra addresses.") % {"limit": EXTRA_EMAILS_LIMIT})
        return addresses

    def clean(self):
        data = super().clean()
        if data.get("who") == self.CHOSEN and not data.get("admins") and not self.has_error("extra_emails") \
                and not data.get("extra_emails"):
            self.add_error("admins", _("Tick at least one office admin (or add an address below): otherwise no one "
                                       "hears that COWS is down."))
        return data

    def recipients(self) -> dict:
        """The choice as update_alert_recipients takes it."""
        everyone = self.cleaned_data["who"] == self.EVERYONE
        return {"all_admins": everyone, "extra_emails": self.cleaned_data["extra_emails"],
                "admin_ids": [] if everyone else [u.id for u in self.cleaned_data["admins"]]}
