"""Admin - Payment Providers (the provider and its keys, and the optional Utility bills account, behind
re-authentication) and Utility Admin - Payment (the UDFs that block a way of paying)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from billing.payments import settings as payment_settings_domain
from billing.payments import stripe_keys, utility_account
from billing.payments.providers import payment_settings
from billing.payments.models import PaymentSettings
from portal.access import office_admin_required

from . import audit, notify, selectors
from .forms import ProviderForm, UtilityPaymentForm
from .reauth import reauthentication_required
from .utility_account_forms import UtilityAccountForm


def _provider_label(value) -> str:
    try:
        return str(PaymentSettings.Provider(value).label)
    except ValueError:
        return str(value or "")


def _email_lines(changes: dict, form: ProviderForm) -> list[str]:
    """What changed, for the admins' email: the provider by name, every key only as changed or removed."""
    return notify.describe(changes, form.labels(), show_values=("provider", "general_name"))


def _providers_snapshot(settings, tenant) -> dict:
    return {**audit.snapshot(settings, ProviderForm.SETTINGS_AUDITED),
            "general_name": utility_account.general_name(tenant=tenant)}


def _utility_snapshot(account) -> dict:
    return {name: getattr(account, name, "") for name in UtilityAccountForm.AUDITED}


def _page(request, *, form: ProviderForm, utility_form: UtilityAccountForm | None = None):
    """The page with both sections; a refused one keeps what was typed (never a secret) and says why."""
    saved = payment_settings(request.tenant)  # as saved: the form's copy may hold what a refused POST typed
    account = utility_account.utility_account(tenant=request.tenant)
    utility_form = utility_form or UtilityAccountForm(account=account, provider=saved.provider)
    context = {"form": form, "secret_is_set": form.secret_is_set(), "utility_form": utility_form,
               "utility_account": account, "utility_possible": saved.provider in utility_account.PAYING,
               "utility_why_not": utility_account.why_not(saved.provider),
               "utility_idle": account is not None and stripe_keys.mode_problem(
                   publishable_key=account.publishable_key, secret_key=saved.stripe_secret_key)}
    refused = form.errors or utility_form.errors
    return render(request, "adminpanel/settings_providers.html", context, status=400 if refused else 200)


@office_admin_required
@reauthentication_required
@never_cache
@require_http_methods(["GET", "POST"])
def payment_providers(request):
    """Payment Providers: the provider and its write-only keys; every office admin hears of a change."""
    current = selectors.payment_settings_for_edit(tenant=request.tenant)
    before = _providers_snapshot(current, request.tenant)
    form = ProviderForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            saved = utility_account.save_payment_providers(
                tenant=request.tenant, changes=form.changes(), name=form.cleaned_data["general_name"],
                acting_user=request.user)
        except payment_settings_domain.SettingsRefused as refused:  # a payment started since the form was checked
            form.add_error("provider", str(refused))
        else:
            changed = audit.record_changes(
                request, "settings.payment_providers", _("Changed the payment provider or its keys"),
                before, _providers_snapshot(saved, request.tenant), secret=ProviderForm.SECRETS,
                target=_provider_label(saved.provider))
            if changed:
                notify.settings_changed(request, area=_("The payment provider settings"),
                                        lines=_email_lines(changed, form))
            messages.success(request, _("The payment provider settings were saved."))
            return redirect("adminpanel:payment_providers")
    return _page(request, form=form)


@office_admin_required
@reauthentication_required
@never_cache
@require_http_methods(["GET", "POST"])
def utility_account_save(request):
    """Payment Providers: add the Utility bills account, or change its name or keys (a GET shows the page)."""
    current = selectors.payment_settings_for_edit(tenant=request.tenant)
    if request.method == "GET":
        return redirect(reverse("adminpanel:payment_providers") + "#utility-heading")
    account = utility_account.utility_account(tenant=request.tenant)
    form = UtilityAccountForm(request.POST, account=account, provider=current.provider)
    if form.is_valid():
        try:
            saved = utility_account.save_utility_account(tenant=request.tenant, acting_user=request.user,
                                                         **form.values())
        except utility_account.UtilityAccountRefused as refused:
            form.add_errors(refused.errors)
        else:
            changed = audit.record_changes(
                request, "settings.utility_account", _("Added or changed the Utility bills account"),
                _utility_snapshot(account), _utility_snapshot(saved), secret=UtilityAccountForm.SECRETS,
                target=saved.label)
            lines = notify.describe(changed, form.labels(), show_values=("name",))
            if account is None:
                lines.insert(0, _("Utility bills account: added (%(account)s)") % {"account": saved.label})
            notify.settings_changed(request, area=_("The payment provider settings"), lines=lines)
            messages.success(request, _("The Utility bills account was saved."))
            return redirect("adminpanel:payment_providers")
    return _page(request, form=ProviderForm(instance=current), utility_form=form)


@office_admin_required
@reauthentication_required
@never_cache
@require_http_methods(["GET", "POST"])
def utility_account_remove(request):
    """Ask first, then stop using the Utility bills account (its payments and deposits keep it)."""
    account = utility_account.utility_account(tenant=request.tenant)
    if account is None:
        messages.info(request, _("There is no Utility bills account to remove."))
        return redirect("adminpanel:payment_providers")
    if request.method == "POST":
        try:
            retired = utility_account.retire_utility_account(tenant=request.tenant, acting_user=request.user)
        except utility_account.UtilityAccountRefused as refused:  # removed or switched meanwhile
            messages.info(request, " ".join(refused.errors.values()))
            return redirect("adminpanel:payment_providers")
        audit.record(request, "settings.utility_account.remove", _("Removed the Utility bills account"),
                     target=retired.label, changes={"utility_account": [account.label, audit.SECRET_REMOVED]})
        notify.settings_changed(request, area=_("The payment provider settings"), lines=[
            _("Utility bills account: removed (%(account)s)") % {"account": account.label}])
        messages.success(request, _("The Utility bills account was removed. Utility bills are paid into the "
                                    "General account again."))
        return redirect("adminpanel:payment_providers")
    return render(request, "adminpanel/utility_account_remove.html", {"account": account})


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def utility_payment(request):
    """Utility Admin - Payment: the names of the Caselle UDFs that block paying by card or by bank account."""
    current = selectors.payment_settings_for_edit(tenant=request.tenant)
    before = audit.snapshot(current, UtilityPaymentForm.Meta.fields)
    form = UtilityPaymentForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = payment_settings_domain.update_payment_settings(tenant=request.tenant, changes=form.changes(),
                                                                acting_user=request.user)
        changed = audit.changes(before, audit.snapshot(saved, UtilityPaymentForm.Meta.fields))
        if changed:
            audit.record(request, "settings.utility_payment", _("Changed the UDFs that block a way of paying"),
                         changes=changed)
        messages.success(request, _("The payment blocking settings were saved."))
        return redirect("adminpanel:utility_payment")
    return render(request, "adminpanel/settings_utility_payment.html", {"form": form},
                  status=400 if form.errors else 200)
