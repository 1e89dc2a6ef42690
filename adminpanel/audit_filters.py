"""The Audit log screen's filters: city days, the person, the action, a search of what and to what."""

from __future__ import annotations

from datetime import timedelta

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import selectors
from .audit_actions import action_label
from .filters import DATE_ORDER
from .listing import DateInput, OfficeFilterSet


class AuditFilter(OfficeFilterSet):
    """Audit log: date range (city days), person and action (those in the city's log), text search."""

    date_from = df.DateFilter(label=_("From"), method="filter_dates", widget=DateInput())
    date_to = df.DateFilter(label=_("To"), method="filter_dates", widget=DateInput())
    person = df.ChoiceFilter(field_name="actor_email", label=_("Person"), empty_label=_("Anyone"))
    action = df.ChoiceFilter(field_name="action", label=_("Action"), empty_label=_("Any action"))
    q = df.CharFilter(label=_("Search"), method="search", max_length=100,
                      help_text=_("Words in what was done or what it was done to."),
                      widget=forms.TextInput(attrs={"type": "search"}))
    ranges = (("date_from", "date_to", DATE_ORDER),)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entries = self.tenant.audit_entries.order_by()
        people = entries.exclude(actor_email="").values_list("actor_email", flat=True).distinct()
        actions = entries.values_list("action", flat=True).distinct()
        self.filters["person"].extra["choices"] = [(p, p) for p in sorted(people)]
        self.filters["action"].extra["choices"] = sorted(((a, action_label(a)) for a in actions),
                                                         key=lambda choice: choice[1].casefold())

    def filter_dates(self, queryset, name, value):
        zone = self.tenant.zone
        if name == "date_from":
            return queryset.filter(at__gte=selectors.local_midnight(value, zone))
        return queryset.filter(at__lt=selectors.local_midnight(value + timedelta(days=1), zone))

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(summary__icontains=word) | Q(target__icontains=word))
        return queryset
