"""Utility Admin - General: the Home Screen Message at the top of the customers' Utility Billing home."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal import portal_settings as domain
from portal.access import office_admin_required

from . import audit

FIELDS = ("utility_home_message",)


class HomeMessageForm(forms.Form):
    utility_home_message = forms.CharField(
        label=gettext_lazy("Home Screen Message"), required=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": domain.MESSAGE_MAX}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["utility_home_message"].help_text = _(
            "Shown at the top of Utility Billing for every signed-in customer: point them to a new communication "
            "or to paperless billing. Plain text, up to %(max)s characters; line breaks are kept. Leave it empty "
            "to show nothing.") % {"max": f"{domain.MESSAGE_MAX:,}"}

    def clean_utility_home_message(self) -> str:
        # Browsers send line breaks as CR LF: one character each, as the text area's maxlength counts them.
        return self.cleaned_data["utility_home_message"].replace("\r\n", "\n")


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def general(request):
    """Home Screen Message: what Utility Billing home shows at its top; saved, audited before/after."""
    before = audit.snapshot(domain.settings_for_edit(request.tenant), FIELDS)
    form = HomeMessageForm(request.POST if request.method == "POST" else None, initial=before)
    if request.method == "POST" and form.is_valid():
        try:
            saved = domain.update_portal_settings(tenant=request.tenant, changes=form.cleaned_data,
                                                  acting_user=request.user)
        except domain.PortalSettingsRefused as refused:
            form.add_error("utility_home_message", refused.message)
        else:
            audit.record_changes(request, "settings.utility_home_message", _("Changed the Home Screen Message"),
                                 before, audit.snapshot(saved, FIELDS), target=_("Utility Billing home"))
            messages.success(request, _("The Home Screen Message was saved.") if saved.utility_home_message
                             else _("The Home Screen Message was removed."))
            return redirect("adminpanel:utility_general")
    return render(request, "adminpanel/utility_general.html", {"form": form, "current": before["utility_home_message"]},
                  status=400 if form.errors else 200)
