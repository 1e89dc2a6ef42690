"""Admin - Payment Providers (the provider and its keys, behind re-authentication) and Utility Admin - Payment
(the UDFs that block a way of paying)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from billing.payments import settings as payment_settings_domain
from billing.payments.models import PaymentSettings
from portal.access import office_admin_required

from . import audit, notify, selectors
from .forms import ProviderForm, UtilityPaymentForm
from .reauth import reauthentication_required


def _provider_label(value) -> str:
    try:
        return str(PaymentSettings.Provider(value).label)
    except ValueError:
        return str(value or "")


def _email_lines(changes: dict, form: ProviderForm) -> list[str]:
    """What changed, for the admins' email: the provider by name, every key only as changed or removed."""
    return notify.describe(changes, form.labels(), show_values=("provider",))


@office_admin_required
@reauthentication_required
@never_cache
@require_http_methods(["GET", "POST"])
def payment_providers(request):
    """Payment Providers: the provider and its write-only keys; every office admin hears of a change."""
    current = selectors.payment_settings_for_edit(tenant=request.tenant)
    before = audit.snapshot(current, ProviderForm.AUDITED)
    form = ProviderForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            saved = payment_settings_domain.update_payment_settings(tenant=request.tenant, changes=form.changes(),
                                                                    acting_user=request.user)
        except payment_settings_domain.SettingsRefused as refused:  # a payment started since the form was checked
            form.add_error("provider", str(refused))
        else:
            changed = audit.record_changes(
                request, "settings.payment_providers", _("Changed the payment provider or its keys"),
                before, audit.snapshot(saved, ProviderForm.AUDITED), secret=ProviderForm.SECRETS,
                target=_provider_label(saved.provider))
            if changed:
                notify.settings_changed(request, area=_("The payment provider settings"),
                                        lines=_email_lines(changed, form))
            messages.success(request, _("The payment provider settings were saved."))
            return redirect("adminpanel:payment_providers")
    context = {"form": form, "secret_is_set": form.secret_is_set()}
    return render(request, "adminpanel/settings_providers.html", context, status=400 if form.errors else 200)


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
