"""The office's payment forms: Payment Providers, Payment, Utility Payment (the lists' filters are in
adminpanel/filters.py)."""

from __future__ import annotations

import importlib.util
from decimal import Decimal

from django import forms
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from billing.payments.availability import selectable_providers
from billing.payments import settings as payment_settings_domain
from billing.payments import stripe_keys, utility_account
from billing.payments.provider_account import ProviderAccount
from billing.payments.models import PaymentSettings
from billing.payments.providers import account_keys
from portal.portal_settings import PortalSettingsRefused, plain_text_problem

ZERO = Decimal("0")


# --- payment settings ------------------------------------------------------------------------------

def _money(label, *, help_text=""):
    return forms.DecimalField(label=label, help_text=help_text, max_digits=12, decimal_places=2,
                              min_value=ZERO, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                              error_messages={"min_value": _("Enter zero or more."),
                                              "max_decimal_places": _("Use dollars and cents, such as 1.50."),
                                              "invalid": _("Enter an amount, such as 1.50.")})


def _percent(label):
    return forms.DecimalField(label=label, max_digits=5, decimal_places=2,
                              validators=[MinValueValidator(ZERO, _("Enter zero or more.")),
                                          MaxValueValidator(Decimal("10"), _("A service fee can be at most 10 percent."))],
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                              error_messages={"max_decimal_places": _("Use at most 2 decimal places, such as 2.95."),
                                              "max_digits": _("A service fee can be at most 10 percent."),
                                              "max_whole_digits": _("A service fee can be at most 10 percent."),
                                              "invalid": _("Enter a percentage, such as 2.95.")})


class ProviderForm(forms.ModelForm):
    """Admin - Payment Providers: the provider and its keys.

    The Stripe secrets are write-only: the page never shows them, and an empty field keeps
    the saved value.
    """

    SECRETS = ("stripe_secret_key", "stripe_webhook_secret")

    stripe_secret_key = forms.CharField(
        label=_("Stripe secret key"), required=False, max_length=200, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
    stripe_webhook_secret = forms.CharField(
        label=_("Stripe webhook signing secret"), required=False, max_length=200, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
    forget_stripe_secrets = forms.BooleanField(
        label=_("Remove the saved Stripe secret key and webhook secret"), required=False)
    general_name = forms.CharField(
        label=_("Name of the General account"), max_length=40, required=False,
        help_text=_("As Deposit Reconciliation shows it. Empty: General."))

    class Meta:
        model = PaymentSettings
        fields = ["provider", "stripe_publishable_key"]
        labels = {"provider": _("Payment provider"), "stripe_publishable_key": _("Stripe publishable key")}
        help_texts = {"stripe_publishable_key": _("Starts with pk_. It is not secret: the payment page uses it.")}
        widgets = {"provider": forms.RadioSelect(attrs={"class": "choices"})}

    # Every field this form may change, as the audit log and the admins' email name them.
    SETTINGS_AUDITED = ("provider", "stripe_publishable_key", "stripe_secret_key", "stripe_webhook_secret")
    AUDITED = SETTINGS_AUDITED + ("general_name",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tenant = self.instance.tenant
        self.fields["general_name"].initial = utility_account.general_name(tenant=tenant)
        self.utility_name = getattr(utility_account.utility_account(tenant=tenant), "name", "")
        self.fields["provider"].choices = selectable_providers()  # never the sandbox in production
        for name in self.SECRETS:
            is_set = bool(getattr(self.instance, name, ""))
            self.fields[name].help_text = (_("Set. Leave empty to keep it; type a new one to replace it.") if is_set
                                           else _("Not set."))

    def secret_is_set(self) -> dict[str, bool]:
        return {name: bool(getattr(self.instance, name, "")) for name in self.SECRETS}

    def labels(self) -> dict[str, str]:
        return {name: str(self.fields[name].label) for name in self.AUDITED}

    def clean_stripe_publishable_key(self):
        key = self.cleaned_data["stripe_publishable_key"].strip()
        problem = stripe_keys.publishable_key_problem(key)
        if problem and key.startswith(("sk_", "rk_", "whsec_")):
            # A secret pasted in the wrong box: never echoed back into the page.
            self.data = self.data.copy()
            self.data[self.add_prefix("stripe_publishable_key")] = ""
        if problem:
            raise forms.ValidationError(problem)
        return key

    def clean_stripe_secret_key(self):
        key = self.cleaned_data["stripe_secret_key"]
        problem = stripe_keys.secret_key_problem(key)  # said without echoing the value: it may be a real secret
        if problem:
            raise forms.ValidationError(problem)
        return key

    def clean_general_name(self):
        name = " ".join(self.cleaned_data["general_name"].split()) or str(ProviderAccount.Purpose.GENERAL.label)
        if plain_text_problem(name):
            raise forms.ValidationError(plain_text_problem(name))
        if self.utility_name and name.casefold() == self.utility_name.casefold():
            raise forms.ValidationError(_("The Utility bills account has this name: choose another, such as General."))
        return name

    def clean_stripe_webhook_secret(self):
        key = self.cleaned_data["stripe_webhook_secret"]
        problem = stripe_keys.webhook_secret_problem(key)
        if problem:
            raise forms.ValidationError(problem)
        return key

    def clean(self):
        data = super().clean()
        if data.get("provider") == PaymentSettings.Provider.STRIPE:
            if importlib.util.find_spec("billing.payments.providers.stripe") is None:
                self.add_error("provider", _("Stripe is not available in this installation yet."))
            if not data.get("stripe_publishable_key") and "stripe_publishable_key" not in self.errors:
                self.add_error("stripe_publishable_key", _("Enter the Stripe publishable key to use Stripe."))
            forgetting = data.get("forget_stripe_secrets")
            if not data.get("stripe_secret_key") and (forgetting or not self.instance.stripe_secret_key):
                self.add_error("stripe_secret_key", _("Enter the Stripe secret key to use Stripe."))
            if not data.get("stripe_webhook_secret") and (forgetting or not self.instance.stripe_webhook_secret):
                # Without it a payment waiting on the bank (3-D Secure, a bank debit) could never finish.
                self.add_error("stripe_webhook_secret", _("Enter the Stripe webhook signing secret to use Stripe."))
            if not self.errors:
                secret = data.get("stripe_secret_key") or self.instance.stripe_secret_key
                problem = stripe_keys.mode_problem(publishable_key=data.get("stripe_publishable_key", ""),
                                                   secret_key=secret)
                if problem:
                    self.add_error("stripe_secret_key", problem)
        if not self.errors and self.instance.pk:
            # A payment finishes on the account it started on: no switching away while one is unfinished.
            keys = payment_settings_domain.keys_after(current=self.instance, changes=self.changes())
            if keys != account_keys(self.instance):
                refusal = payment_settings_domain.switch_refusal(tenant=self.instance.tenant, keys=keys)
                if refusal:
                    self.add_error("provider", refusal)
        return data

    def changes(self) -> dict:
        """The values to save: the secrets only when a new one was typed (or removal asked for)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        if self.cleaned_data.get("forget_stripe_secrets"):
            data.update({name: "" for name in self.SECRETS})
        for name in self.SECRETS:
            if self.cleaned_data.get(name):
                data[name] = self.cleaned_data[name]
        return data


class PaymentSettingsForm(forms.ModelForm):
    """Admin - Portal Settings - Payment: service fees, limits, and the payment page and complete messages."""

    card_fee_percent = _percent(_("Card: percent of the amount"))
    card_fee_flat = _money(_("Card: flat amount ($)"))
    card_fee_minimum = _money(_("Card: minimum fee ($)"))
    ach_fee_percent = _percent(_("Bank account: percent of the amount"))
    ach_fee_flat = _money(_("Bank account: flat amount ($)"))
    ach_fee_minimum = _money(_("Bank account: minimum fee ($)"))
    minimum_payment = _money(_("Smallest payment ($)"))
    maximum_payment = _money(_("Largest payment ($)"))
    maximum_overpayment = _money(_("Largest overpayment of a utility bill ($)"),
                                 help_text=_("How far a payment may go over the balance due, as a credit."))

    class Meta:
        model = PaymentSettings
        fields = [
            "card_fee_percent", "card_fee_flat", "card_fee_minimum",
            "ach_fee_percent", "ach_fee_flat", "ach_fee_minimum",
            "minimum_payment", "maximum_payment", "maximum_overpayment",
            "payment_page_message", "payment_complete_message",
        ]
        labels = {
            "payment_page_message": _("Payment page message"),
            "payment_complete_message": _("Payment complete page message"),
        }
        help_texts = {
            "payment_page_message": _("Shown on Manage AutoPay (and when paying a bill). Usually the service fee "
                                      "rates, so AutoPay customers know they apply."),
            "payment_complete_message": _("Usually blank: the confirmation page has a default text."),
        }
        widgets = {
            "payment_page_message": forms.Textarea(attrs={"rows": 3}),
            "payment_complete_message": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("payment_page_message", "payment_complete_message"):
            self.fields[name].validators.append(MaxLengthValidator(
                payment_settings_domain.MESSAGE_LIMITS[name],
                _("A message can be at most %(limit_value)d characters (it has %(show_value)d).")))

    def clean(self):
        data = super().clean()
        for name in ("payment_page_message", "payment_complete_message"):
            if name in data:
                try:
                    payment_settings_domain.check_text({name: data[name]})  # plain text, as residents read it
                except PortalSettingsRefused as refused:
                    self.add_error(name, refused.message)
        low, high = data.get("minimum_payment"), data.get("maximum_payment")
        if low is not None and low <= 0:
            self.add_error("minimum_payment", _("The smallest payment must be more than zero."))
        elif low is not None and high is not None and high < low:
            self.add_error("maximum_payment", _("The largest payment must be at least the smallest payment."))
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class UtilityPaymentForm(forms.ModelForm):
    """Utility Admin - Payment: the Caselle UDFs (checkboxes on a customer) that block paying by card or by bank."""

    class Meta:
        model = PaymentSettings
        fields = ["udf_block_card", "udf_block_ach"]
        labels = {
            "udf_block_card": _("UDF that blocks card payments"),
            "udf_block_ach": _("UDF that blocks bank account (ACH) payments"),
        }
        help_texts = {
            "udf_block_card": _("The name of the checkbox user-defined field in Caselle. Leave blank to block no one."),
            "udf_block_ach": _("The name of the checkbox user-defined field in Caselle. Leave blank to block no one."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].error_messages["max_length"] = _(
                "A UDF name has at most %(limit_value)d characters.")

    def _udf(self, name: str) -> str:
        value = " ".join(self.cleaned_data[name].split())  # as Caselle shows it: single spaces, no line breaks
        if not value.isprintable():
            raise forms.ValidationError(_("Type the UDF's name as Caselle shows it, on one line."))
        if plain_text_problem(value):
            raise forms.ValidationError(plain_text_problem(value))
        return value

    def clean_udf_block_card(self):
        return self._udf("udf_block_card")

    def clean_udf_block_ach(self):
        return self._udf("udf_block_ach")

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class FeePreviewForm(forms.Form):
    """The six fee fields of the settings form, read leniently for the live preview."""

    card_fee_percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=ZERO, max_value=Decimal("10"))
    card_fee_flat = forms.DecimalField(max_digits=12, decimal_places=2, min_value=ZERO)
    card_fee_minimum = forms.DecimalField(max_digits=12, decimal_places=2, min_value=ZERO)
    ach_fee_percent = forms.DecimalField(max_digits=5, decimal_places=2, min_value=ZERO, max_value=Decimal("10"))
    ach_fee_flat = forms.DecimalField(max_digits=12, decimal_places=2, min_value=ZERO)
    ach_fee_minimum = forms.DecimalField(max_digits=12, decimal_places=2, min_value=ZERO)
