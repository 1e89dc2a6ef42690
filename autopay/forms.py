"""The customer's AutoPay forms: step 1's schedule and the authorization (step 2's method is flow.pick_method)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext, gettext_lazy as _, ngettext

from billing.payments.amounts import CheckoutError, parse_amount

from .flow import Choices


def _day_label(n: int) -> str:
    if n == 0:
        return gettext("0 (on the due date)")
    return ngettext("%(days)s day before", "%(days)s days before", n) % {"days": n}


class ScheduleForm(forms.Form):
    """Step 1: how many days before each due date, and an optional maximum."""

    days_before_due = forms.TypedChoiceField(
        coerce=int, label=_("Days prior to due date"),
        help_text=_("Due dates can change from period to period, so each payment follows that period's due date "
                    "rather than a day of the month."))
    set_maximum = forms.ChoiceField(
        choices=[("no", _("No maximum")), ("yes", _("Yes, set a maximum"))], initial="no", widget=forms.RadioSelect,
        label=_("Would you like to establish a maximum payment amount for autopay?"),
        error_messages={"required": _("Choose whether to set a maximum."),
                        "invalid_choice": _("Choose whether to set a maximum.")})
    max_amount = forms.CharField(
        required=False, max_length=20, label=_("Maximum payment amount"),
        help_text=_("When a bill is over it, AutoPay charges nothing and emails you to pay it yourself."))

    def __init__(self, data=None, *, limit: int, initial: dict | None = None):
        super().__init__(data, initial=initial)
        field = self.fields["days_before_due"]
        field.choices = [(n, _day_label(n)) for n in range(limit + 1)]
        message = gettext("Choose from 0 to %(max)s days before the due date.") % {"max": limit}
        field.error_messages = {**field.error_messages, "invalid_choice": message, "required": message}

    def clean(self):
        data = super().clean()
        if data.get("set_maximum") != "yes":
            data["max_amount"] = None
            return data
        try:
            amount = parse_amount(self.data.get("max_amount"), allow_zero=True)
        except CheckoutError as exc:
            self.add_error("max_amount", str(exc))
            return data
        if amount <= Decimal("0"):
            self.add_error("max_amount", gettext("Enter a maximum above $0.00, or choose no maximum."))
        data["max_amount"] = amount
        return data

    def choices(self, *, account_key: str) -> Choices:
        return Choices(account_key=account_key, days_before_due=self.cleaned_data["days_before_due"],
                       max_amount=self.cleaned_data["max_amount"])

    @staticmethod
    def initial_from(choices: Choices | None) -> dict:
        if choices is None:
            return {"set_maximum": "no"}
        return {"days_before_due": choices.days_before_due, "set_maximum": "yes" if choices.max_amount else "no",
                "max_amount": f"{choices.max_amount:.2f}" if choices.max_amount else ""}


class AuthorizeForm(forms.Form):
    """The authorization: the exact words shown, posted back, and the box the person checks."""

    accepted_text = forms.CharField(widget=forms.HiddenInput, strip=False,
                                    error_messages={"required": _("Please read and accept the terms again.")})
    authorize = forms.BooleanField(
        label=_("I authorize these AutoPay payments as written above."),
        error_messages={"required": _("Check the box to authorize AutoPay, or go back.")})
