"""Payment Providers' second section: the optional Utility bills account (its name and, on Stripe, its keys)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.payments import stripe_keys


def _secret(label):
    return forms.CharField(label=label, required=False, max_length=200, strip=True,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))


class UtilityAccountForm(forms.Form):
    """The Utility bills account: its name, and on Stripe its own keys (the secrets write-only, as the General ones).

    The domain (billing.payments.utility_account) checks the keys as a set; this form checks what each box must
    look like, without ever echoing a secret.
    """

    prefix = "utility"
    SECRETS = ("secret_key", "webhook_secret")
    AUDITED = ("name", "publishable_key", "secret_key", "webhook_secret")

    name = forms.CharField(label=_("Name of the Utility bills account"), max_length=40, required=False,
                           help_text=_("As Deposit Reconciliation shows it, such as Utility."))
    publishable_key = forms.CharField(label=_("Utility publishable key"), max_length=200, required=False,
                                      help_text=_("Starts with pk_. From the Stripe account the utility bills are "
                                                  "paid into."))
    secret_key = _secret(_("Utility secret key"))
    webhook_secret = _secret(_("Utility webhook signing secret"))

    def __init__(self, *args, account=None, provider: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.account, self.provider = account, provider
        self.fields["name"].initial = account.name if account else _("Utility")
        if provider != "stripe":
            for name in ("publishable_key",) + self.SECRETS:
                del self.fields[name]
            return
        self.fields["publishable_key"].initial = account.publishable_key if account else ""
        for name in self.SECRETS:
            self.fields[name].help_text = (_("Set. Leave empty to keep it; type a new one to replace it.")
                                           if self.secret_is_set()[name] else _("Not set."))

    def secret_is_set(self) -> dict[str, bool]:
        return {name: bool(self.account and getattr(self.account, name)) for name in self.SECRETS}

    def labels(self) -> dict[str, str]:
        return {name: str(field.label) for name, field in self.fields.items()}

    def clean_publishable_key(self):
        key = self.cleaned_data["publishable_key"].strip()
        problem = stripe_keys.publishable_key_problem(key)
        if problem and key.startswith(("sk_", "rk_", "whsec_")):
            self.data = self.data.copy()  # a secret in the wrong box: never echoed back into the page
            self.data[self.add_prefix("publishable_key")] = ""
        if problem:
            raise forms.ValidationError(problem)
        return key

    def clean_secret_key(self):
        problem = stripe_keys.secret_key_problem(self.cleaned_data["secret_key"])
        if problem:
            raise forms.ValidationError(problem)
        return self.cleaned_data["secret_key"]

    def clean_webhook_secret(self):
        problem = stripe_keys.webhook_secret_problem(self.cleaned_data["webhook_secret"])
        if problem:
            raise forms.ValidationError(problem)
        return self.cleaned_data["webhook_secret"]

    def values(self) -> dict:
        """What to hand to save_utility_account."""
        return {"name": self.cleaned_data["name"], **{f: self.cleaned_data.get(f, "") for f in (
            "publishable_key",) + self.SECRETS}}

    def add_errors(self, errors: dict[str, str]) -> None:
        """The domain's refusal, on its fields (a field this form does not show: on the whole form)."""
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)
