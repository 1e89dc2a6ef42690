"""Admin → Email Events: when the Payment Due and Past Due emails go out, and the runs they made."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from communications.events import services as events
from portal.access import office_admin_required

from . import audit
from .event_forms import EmailEventForm

FIELDS = ("enabled", "send_at", "days")


def _days_label(event) -> str:
    if event.kind == event.Kind.PAYMENT_DUE:
        return _("Days before the due date")
    return _("Days after the due date")


@office_admin_required
@never_cache
@require_GET
def email_events(request):
    """The city's two events: on or off, time, days, template, next run and last run."""
    return render(request, "adminpanel/email_events.html", {"rows": events.statuses(tenant=request.tenant)})


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def email_event_edit(request, kind: str):
    """One event's time of day, days and on/off; saved, audited before/after."""
    event = events.event_for(tenant=request.tenant, kind=kind)
    if event is None:
        raise Http404
    before = audit.snapshot(event, FIELDS)
    form = EmailEventForm(request.POST if request.method == "POST" else None, days_label=_days_label(event),
                          initial={"enabled": event.enabled, "send_at": event.send_at, "days": event.days})
    if request.method == "POST" and form.is_valid():
        saved = events.save_event(event=event, acting_user=request.user, **form.cleaned_data)
        label = saved.get_kind_display()
        changed = audit.record_changes(request, "email_event.save", _("Changed the Email Event “%(label)s”")
                                       % {"label": label}, before, audit.snapshot(saved, FIELDS), target=label)
        # Saved either way, as on the other settings screens: the office sees its save went through.
        messages.success(request, (_("The Email Event “%(label)s” was saved.") if changed else
                                   _("The Email Event “%(label)s” was saved. Nothing changed.")) % {"label": label})
        return redirect("adminpanel:email_events")
    return render(request, "adminpanel/email_event_edit.html",
                  {"event": event, "form": form, "template_kind": events.TEMPLATE_OF[event.kind]},
                  status=400 if form.errors else 200)
