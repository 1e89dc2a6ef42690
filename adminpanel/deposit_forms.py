"""Deposit Reconciliation's question: which day's deposit, from which provider account."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.payments.deposits import reconciliation_accounts

from .listing import DateInput


def previous_business_day(day):
    """The last weekday before `day`: banks deposit on business days (Monday opens on Friday's deposit)."""
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


class AccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.label


class DepositForm(forms.Form):
    deposit_date = forms.DateField(
        label=_("Deposit date"), widget=DateInput(),
        help_text=_("The day the deposit reached the city's bank, as the bank statement shows it."),
        error_messages={"required": _("Enter the date of the deposit."),
                        "invalid": _("Enter the date as a day, month and year, for example 2026-12-08.")})
    account = AccountChoice(
        queryset=None, label=_("Provider account"), empty_label=None,
        help_text=_("General, Utility…: the account the deposit came from. With one account, choose it. A removed "
                    "account stays here, marked (retired), for the deposits it still brings."),
        error_messages={"required": _("Choose a provider account."),
                        "invalid_choice": _("Choose one of the city's provider accounts.")})

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["account"].queryset = reconciliation_accounts(tenant=tenant)
        self.fields["deposit_date"].initial = previous_business_day(self.today())

    def today(self):
        return timezone.localdate(timezone=self.tenant.zone)

    def clean_deposit_date(self):
        day = self.cleaned_data["deposit_date"]
        if day > self.today():
            raise forms.ValidationError(_("That day has not come yet: choose the day the deposit reached the bank."))
        return day
