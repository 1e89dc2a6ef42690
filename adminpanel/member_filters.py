"""The filters of Portal members: the person (email or name), whether they linked an account, when they joined."""

from __future__ import annotations

from datetime import timedelta

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _

from .filters import DATE_ORDER
from .listing import DateInput, OfficeFilterSet
from .member_selectors import with_linked_accounts
from .people_selectors import person_match
from .selectors import local_midnight


class PortalMemberFilter(OfficeFilterSet):
    """Portal members: search, linked accounts (any, none, at least one) and a joined date range (city days)."""

    q = df.CharFilter(label=_("Search"), method="search", max_length=100, help_text=_("Email or name."),
                      widget=forms.TextInput(attrs={"type": "search"}))
    linked = df.ChoiceFilter(label=_("Linked accounts"), method="by_linked", empty_label=_("Any"),
                             choices=(("none", _("None")), ("some", _("At least one"))),
                             help_text=_("Accounts linked in their own name (landlord links apart)."))
    joined_from = df.DateFilter(label=_("Joined from"), method="by_joined", widget=DateInput())
    joined_to = df.DateFilter(label=_("Joined to"), method="by_joined", widget=DateInput())
    ranges = (("joined_from", "joined_to", DATE_ORDER),)

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(person_match(word))
        return queryset

    def by_linked(self, queryset, name, value):
        return with_linked_accounts(queryset, linked=value == "some")

    def by_joined(self, queryset, name, value):
        zone = self.tenant.zone
        if name == "joined_from":
            return queryset.filter(created_at__gte=local_midnight(value, zone))
        return queryset.filter(created_at__lt=local_midnight(value + timedelta(days=1), zone))
