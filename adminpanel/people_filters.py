"""The filters of the office's people lists: Portal Users, Landlord links and Failed link attempts."""

from __future__ import annotations

from datetime import timedelta

import django_filters as df
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from customers.models import LinkAttempt

from .filters import DATE_ORDER
from .listing import DateInput, OfficeFilterSet
from .people_selectors import number_match as _number_match
from .people_selectors import paperless_links
from .people_selectors import person_match as _person_match
from .people_selectors import search_links
from .selectors import local_midnight


def _search_input(**attrs):
    return forms.TextInput(attrs={"type": "search", **attrs})


class PortalUserFilter(OfficeFilterSet):
    """Portal Users: one search over the person's email and name, the account holder's name and the customer number."""

    q = df.CharFilter(label=_("Search"), method="search", max_length=100,
                      help_text=_("Email, name, or customer number (with or without dashes)."), widget=_search_input())
    bills = df.ChoiceFilter(label=_("Bills"), method="by_statement", empty_label=_("Email or paper"),
                            choices=(("email", _("Paperless (by email)")), ("paper", _("Paper statement"))),
                            help_text=_("As Caselle last told the portal; accounts not read yet are in neither."))

    def search(self, queryset, name, value):
        return search_links(queryset, value)  # the same search finds people for Create Communications

    def by_statement(self, queryset, name, value):
        return paperless_links(queryset, paperless=value == "email")


class LandlordLinkFilter(OfficeFilterSet):
    """Landlord Management's current links: by the person or the landlord/cosigner."""

    q = df.CharFilter(label=_("Find a link"), method="search", max_length=100,
                      help_text=_("Email or name of the portal user, or the landlord's or cosigner's name."),
                      widget=_search_input())

    def search(self, queryset, name, value):
        for word in value.split():
            match = _person_match(word) | Q(landlord_name__icontains=word)
            if word.isdigit():
                match |= Q(landlord_id=int(word))
            queryset = queryset.filter(match)
        return queryset


class LinkAttemptFilter(OfficeFilterSet):
    """Failed link attempts: the person (email or name), the customer number tried, a date range, the reason."""

    q = df.CharFilter(label=_("Portal user"), method="search_person", max_length=100,
                      help_text=_("Email or name of the person who tried."), widget=_search_input())
    number = df.CharFilter(label=_("Customer number tried"), method="search_number", max_length=30,
                           widget=_search_input())
    date_from = df.DateFilter(label=_("From"), method="filter_dates", widget=DateInput())
    date_to = df.DateFilter(label=_("To"), method="filter_dates", widget=DateInput())
    reason = df.ChoiceFilter(label=_("Reason"), choices=LinkAttempt.Reason.choices, empty_label=_("Any reason"))
    ranges = (("date_from", "date_to", DATE_ORDER),)

    def search_person(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(_person_match(word))
        return queryset

    def search_number(self, queryset, name, value):
        return queryset.filter(_number_match(value))

    def filter_dates(self, queryset, name, value):
        zone = self.tenant.zone
        if name == "date_from":
            return queryset.filter(attempted_at__gte=local_midnight(value, zone))
        return queryset.filter(attempted_at__lt=local_midnight(value + timedelta(days=1), zone))
