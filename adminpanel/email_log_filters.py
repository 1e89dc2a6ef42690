"""The Email log's filters: city days, status, kind, a search of recipient and subject, and the sending it came from."""

from __future__ import annotations

from datetime import timedelta

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communications.outbox.labels import kind_choices
from communications.outbox.models import OutboundEmail

from . import selectors
from .filters import DATE_ORDER
from .listing import DateInput, OfficeFilterSet


class EmailLogFilter(OfficeFilterSet):
    """Email log: queued between two city days, status, kind, words in the address or subject, source."""

    date_from = df.DateFilter(label=_("Queued from"), method="filter_dates", widget=DateInput())
    date_to = df.DateFilter(label=_("Queued to"), method="filter_dates", widget=DateInput())
    state = df.ChoiceFilter(field_name="state", label=_("Status"), empty_label=_("Any status"),
                            choices=OutboundEmail.State.choices)
    kind = df.ChoiceFilter(field_name="kind", label=_("Kind"), empty_label=_("Any kind"))
    q = df.CharFilter(label=_("Search"), method="search", max_length=100,
                      help_text=_("Words in the address, the subject or the account number."),
                      widget=forms.TextInput(attrs={"type": "search"}))
    source = df.CharFilter(field_name="source", label=_("Sent by"), max_length=100,
                           help_text=_("Set by the links on Email Bills, Email Events and Create Communications."),
                           widget=forms.HiddenInput())
    ranges = (("date_from", "date_to", DATE_ORDER),)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = (OutboundEmail.objects.filter(tenant=self.tenant).order_by().values_list("kind", flat=True)
                 .distinct())
        self.filters["kind"].extra["choices"] = kind_choices(kinds)

    def filter_dates(self, queryset, name, value):
        zone = self.tenant.zone
        if name == "date_from":
            return queryset.filter(queued_at__gte=selectors.local_midnight(value, zone))
        return queryset.filter(queued_at__lt=selectors.local_midnight(value + timedelta(days=1), zone))

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(to__icontains=word) | Q(subject__icontains=word)
                                       | Q(account_number__icontains=word))
        return queryset
