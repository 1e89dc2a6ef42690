"""Admin - COWS: the link to the office's Caselle Online Web Service, its outages, a test, and who hears of them."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cows_bridge import settings as cows_settings_domain
from portal.access import office_admin_required

from . import audit, notify
from .cows_forms import AlertRecipientsForm, ConnectionForm
from .reauth import reauthentication_required

CONNECTION_FIELDS = ("cows_url", "cows_api_key")


def _alerts_form(request, data=None) -> AlertRecipientsForm:
    tenant = request.tenant
    return AlertRecipientsForm(data, tenant=tenant, alert_settings=cows_settings_domain.alert_settings(tenant=tenant),
                               chosen_ids=cows_settings_domain.chosen_admin_ids(tenant=tenant))


def _alerts_snapshot(tenant) -> dict:
    chosen = cows_settings_domain.alert_settings(tenant=tenant)
    return {"all_admins": chosen.all_admins, "extra_emails": chosen.extra_emails.split(),
            "admins": sorted(tenant.cows_alert_recipients.values_list("user__email", flat=True))}


def _screen(request, *, alerts_form: AlertRecipientsForm | None = None, status: int = 200):
    tenant = request.tenant
    link = cows_settings_domain.link_state(tenant=tenant)
    zone = tenant.zone
    context = {
        "cows_url": tenant.cows_url, "key_is_set": bool(tenant.cows_api_key),
        "link": link, "down_since": timezone.localtime(link.down_since, zone) if link and link.down_since else None,
        "last_success_at": timezone.localtime(link.last_success_at, zone) if link and link.last_success_at else None,
        "last_failure_at": timezone.localtime(link.last_failure_at, zone) if link and link.last_failure_at else None,
        "outages": [{"started_at": timezone.localtime(o.started_at, zone),
                     "ended_at": timezone.localtime(o.ended_at, zone) if o.ended_at else None,
                     "last_error": o.last_error} for o in cows_settings_domain.outages(tenant=tenant)],
        "alerts_form": alerts_form or _alerts_form(request),
    }
    return render(request, "adminpanel/settings_cows.html", context, status=status)


@office_admin_required
@never_cache
@require_GET
def cows_settings(request):
    """COWS: the address, whether the key is set, the link's state and outages, Test connection, alert recipients."""
    return _screen(request)


@office_admin_required
@reauthentication_required
@never_cache
@require_http_methods(["GET", "POST"])
def cows_connection(request):
    """Change the COWS address or key (write-only); every office admin hears of it."""
    tenant = request.tenant
    before = audit.snapshot(tenant, CONNECTION_FIELDS)
    form = ConnectionForm(request.POST if request.method == "POST" else None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        saved = cows_settings_domain.update_connection(tenant=tenant, url=form.cleaned_data["cows_url"],
                                                       api_key=form.cleaned_data["cows_api_key"],
                                                       acting_user=request.user)
        changed = audit.record_changes(request, "settings.cows_connection", _("Changed the COWS address or key"),
                                       before, audit.snapshot(saved, CONNECTION_FIELDS), secret={"cows_api_key"},
                                       target=saved.cows_url)
        if changed:
            labels = {"cows_url": _("COWS address"), "cows_api_key": _("COWS key")}
            notify.settings_changed(request, area=_("The COWS connection settings"),
                                    lines=notify.describe(changed, labels, show_values=("cows_url",)))
        messages.success(request, _("The COWS connection was saved. Test it below."))
        return redirect("adminpanel:cows_settings")
    return render(request, "adminpanel/settings_cows_connection.html", {"form": form},
                  status=400 if form.errors else 200)


@office_admin_required
@require_POST
def cows_test(request):
    """Test connection: ask COWS, with the saved address and key, for the office's status and periods."""
    result = cows_settings_domain.check_connection(tenant=request.tenant)
    audit.record(request, "cows.test_connection",
                 (_("Tested the COWS connection: it works") if result.ok else _("Tested the COWS connection: it failed")),
                 target=request.tenant.cows_url, changes={"result": ["", result.message]})
    (messages.success if result.ok else messages.error)(request, result.message)
    return redirect("adminpanel:cows_settings")


@office_admin_required
@require_POST
def cows_alerts(request):
    """Choose who gets the "COWS is not running" email; a refused form saves nothing."""
    tenant = request.tenant
    form = _alerts_form(request, request.POST)
    if not form.is_valid():
        return _screen(request, alerts_form=form, status=400)
    before = _alerts_snapshot(tenant)
    cows_settings_domain.update_alert_recipients(tenant=tenant, acting_user=request.user, **form.recipients())
    audit.record_changes(request, "settings.cows_alerts", _("Changed who gets the COWS alert email"),
                         before, _alerts_snapshot(tenant))
    messages.success(request, _("Saved: who gets the \"COWS is not running\" email."))
    return redirect("adminpanel:cows_settings")
