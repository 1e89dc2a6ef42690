"""The office's AutoPay forms: its settings, and Enroll Customer (an invitation, never a typed card)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from autopay.enrollment import AutoPayRefused, autopay_settings
from autopay.invitations import account_to_invite
from autopay.models import MAX_DAYS_LIMIT, AutoPaySettings
from autopay.settings import REMINDER_DAYS_LIMIT
from cows_bridge.types import AccountSummary

OTHER_EMAIL = "email"


def _whole(low: int, high: int, message):
    return [MinValueValidator(low, message), MaxValueValidator(high, message)]


class AutoPaySettingsForm(forms.ModelForm):
    """Admin - AutoPay settings: the timing limit, the charge hour, automatic scheduling, reminders."""

    class Meta:
        model = AutoPaySettings
        fields = ["max_days_before_due", "charge_hour", "schedule_on_close", "reminder_days"]
        labels = {
            "max_days_before_due": _("Most days before the due date a customer may choose"),
            "charge_hour": _("Hour payments are charged (0–23, city time)"),
            "schedule_on_close": _("Schedule Payments automatically when the portal sees the period closed"),
            "reminder_days": _("Days before a charge the customer is reminded (0: no reminder)"),
        }
        help_texts = {
            "max_days_before_due": _("From 0 to 28. Enrollments keep the days they chose until they change them."),
            "charge_hour": _("6 means from 6:00 in the morning."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        checks = {"max_days_before_due": (MAX_DAYS_LIMIT, _("Choose from 0 to 28 days.")),
                  "charge_hour": (23, _("Choose an hour from 0 to 23.")),
                  "reminder_days": (REMINDER_DAYS_LIMIT, _("Choose from 0 to 14 days."))}
        for name, (high, message) in checks.items():
            field = self.fields[name]
            field.validators = _whole(0, high, message)
            field.min_value, field.max_value = 0, high
            field.widget.attrs.update({"min": 0, "max": high, "inputmode": "numeric"})
            field.error_messages["invalid"] = message

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


def refusal_to_form(form: forms.Form, refused: AutoPayRefused) -> None:
    """A domain refusal shown on its field (or above the form when it names none of the form's)."""
    form.add_error(refused.field if refused.field in form.fields else None, refused.message)


class FindAccountForm(forms.Form):
    """Enroll Customer, step 1: the account, by its customer number (checked in Caselle)."""

    customer_number = forms.CharField(label=_("Customer number"), max_length=30, strip=True,
                                      help_text=_("As on the bill; dashes and periods may be left out."))

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.summary: AccountSummary | None = None

    def clean_customer_number(self):
        number = self.cleaned_data["customer_number"]
        try:
            self.summary = account_to_invite(tenant=self.tenant, customer_number=number)
        except AutoPayRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return self.summary.customer_number


class InviteForm(forms.Form):
    """Enroll Customer, step 2: who gets the invitation, the days before the due date and the maximum."""

    customer_number = forms.CharField(widget=forms.HiddenInput, max_length=30)
    recipient = forms.ChoiceField(label=_("Send the invitation to"), widget=forms.RadioSelect)
    email = forms.EmailField(label=_("Email address"), required=False, max_length=254,
                             help_text=_("Only when sending to another email address."),
                             error_messages={"invalid": _("Enter a valid email address, such as name@example.org.")})
    days_before_due = forms.IntegerField(label=_("Days before the due date"),
                                         widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    max_amount = forms.DecimalField(label=_("Maximum amount ($)"), required=False, max_digits=12, decimal_places=2,
                                    help_text=_("Leave empty for no maximum. A bill over it is not charged and the "
                                                "customer is emailed to pay it."),
                                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                                    error_messages={"invalid": _("Enter an amount, such as 150.00."),
                                                    "max_decimal_places": _("Use dollars and cents, such as 150.00.")})

    def __init__(self, *args, tenant, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(u.pk): u for u in users}
        choices = [(pk, f"{(u.first_name + ' ' + u.last_name).strip() or u.email} <{u.email}>")
                   for pk, u in self.users.items()]
        self.fields["recipient"].choices = choices + [(OTHER_EMAIL, _("Another email address"))]
        self.fields["recipient"].initial = OTHER_EMAIL if not users else None
        limit = min(autopay_settings(tenant).max_days_before_due, MAX_DAYS_LIMIT)
        message = _("Choose from 0 to %(max)s days before the due date.") % {"max": limit}
        days = self.fields["days_before_due"]
        days.validators = _whole(0, limit, message)
        days.widget.attrs.update({"min": 0, "max": limit})
        days.error_messages["invalid"] = message
        days.help_text = _("From 0 to %(max)s (the office's AutoPay settings).") % {"max": limit}

    def clean_max_amount(self):
        value = self.cleaned_data["max_amount"]
        if value is not None and value <= Decimal("0"):
            raise forms.ValidationError(_("Enter a maximum above $0.00, or leave it empty."))
        return value

    def clean(self):
        data = super().clean()
        recipient = data.get("recipient")
        if recipient == OTHER_EMAIL:
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", _("Enter the email address to send the invitation to."))
            data["invite_email"] = data.get("email", "")
        elif recipient:
            data["invite_email"] = self.users[recipient].email
        return data
