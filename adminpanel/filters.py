"""The filters of the office's lists (their query string names are the screens' filter names)."""

from __future__ import annotations

import re
from datetime import timedelta

import django_filters as df
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from autopay.models import ScheduledPayment
from billing.payments.models import Payment, PaymentItem

from . import selectors
from .listing import DateInput, OfficeFilterSet

DATE_ORDER = _("The end date is before the start date.")
AMOUNT_ORDER = _("The largest amount is below the smallest.")
KINDS = (("card", _("Card")), ("ach", _("Bank account")))


def _search_input(**attrs):
    return forms.TextInput(attrs={"type": "search", **attrs})


def _amount(label):
    return df.NumberFilter(label=label, method="filter_amount", min_value=0, max_digits=12, decimal_places=2,
                           widget=forms.TextInput(attrs={"inputmode": "decimal"}))


class CompletedPaymentFilter(OfficeFilterSet):
    """Show Completed Payments: date range (city days), state, payment type and a search."""

    RECEIVED = "received"  # posted or posting pending: the money the Overview and the totals count
    STATES = (
        (RECEIVED, _("Received (posted or posting pending)")),
        (Payment.State.POSTED, _("Posted")),
        (Payment.State.CHARGED, _("Received, posting pending")),
        (Payment.State.PROCESSING, _("Charging")),
        (Payment.State.FAILED, _("Failed")),
        (Payment.State.REFUNDED, _("Refunded")),
        (Payment.State.RETURNED, _("Returned by the bank")),
    )

    date_from = df.DateFilter(label=_("From"), method="filter_dates", widget=DateInput())
    date_to = df.DateFilter(label=_("To"), method="filter_dates", widget=DateInput())
    state = df.ChoiceFilter(label=_("State"), choices=STATES, empty_label=_("Any state"), method="filter_state")
    kind = df.ChoiceFilter(field_name="method_kind", label=_("Payment type"), choices=KINDS,
                           empty_label=_("Card or bank account"))
    q = df.CharFilter(label=_("Search"), method="search", max_length=100,
                      help_text=_("Reference, payer email, customer number or confirmation number."),
                      widget=_search_input())
    ranges = (("date_from", "date_to", DATE_ORDER),)

    def filter_dates(self, queryset, name, value):
        zone = self.tenant.zone
        if name == "date_from":
            return queryset.filter(paid_at__gte=selectors.local_midnight(value, zone))
        return queryset.filter(paid_at__lt=selectors.local_midnight(value + timedelta(days=1), zone))

    def search(self, queryset, name, value):
        return queryset.filter(selectors.payment_search(value))

    def filter_state(self, queryset, name, value):
        if value == self.RECEIVED:
            return queryset.filter(state__in=selectors.RECEIVED_STATES)
        return queryset.filter(state=value)


def _digits(text: str) -> str:
    return re.sub(r"[\s.\-]", "", text)


class ScheduledPaymentFilter(OfficeFilterSet):
    """Scheduled/Previous Payments: a filter on every column."""

    customer = df.CharFilter(label=_("Customer"), method="filter_customer", max_length=100,
                             help_text=_("Name or email of the person who runs AutoPay."), widget=_search_input())
    customer_number = df.CharFilter(label=_("Customer number"), method="filter_customer_number", max_length=30,
                                    widget=_search_input())
    period = df.ChoiceFilter(field_name="period_label", label=_("Period"), empty_label=_("Any period"))
    charge_from = df.DateFilter(field_name="charge_on", lookup_expr="gte", label=_("Charge date from"),
                                widget=DateInput())
    charge_to = df.DateFilter(field_name="charge_on", lookup_expr="lte", label=_("Charge date to"), widget=DateInput())
    amount_min = _amount(_("Smallest amount ($)"))
    amount_max = _amount(_("Largest amount ($)"))
    kind = df.ChoiceFilter(field_name="shown_method_kind", label=_("Payment type"), choices=KINDS,
                           empty_label=_("Card or bank account"))
    last4 = df.CharFilter(field_name="shown_method_last4", label=_("Last 4 digits"), max_length=4,
                          validators=[RegexValidator(r"^\d{4}$", _("Enter the 4 last digits."))],
                          widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    status = df.ChoiceFilter(field_name="state", label=_("Status"), choices=ScheduledPayment.State.choices,
                             empty_label=_("Any status"))
    status_text = df.CharFilter(label=_("Confirmation number or message"), method="filter_status_text",
                                max_length=100, widget=_search_input())
    ranges = (("charge_from", "charge_to", DATE_ORDER), ("amount_min", "amount_max", AMOUNT_ORDER))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        periods = (self.tenant.scheduled_payments.order_by("-period_id")
                   .values_list("period_label", flat=True).distinct())
        self.filters["period"].extra["choices"] = [(p, p) for p in dict.fromkeys(periods)]

    def filter_customer(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(enrollment__user__email__icontains=word)
                                       | Q(enrollment__user__first_name__icontains=word)
                                       | Q(enrollment__user__last_name__icontains=word))
        return queryset

    def filter_customer_number(self, queryset, name, value):
        match = Q(customer_number__icontains=value)
        if _digits(value).isdigit():  # typed with or without dashes and periods
            match |= Q(account_key__contains=_digits(value))
        return queryset.filter(match)

    def filter_amount(self, queryset, name, value):
        lookup = "gte" if name == "amount_min" else "lte"
        return queryset.filter(**{f"shown_amount__{lookup}": value})

    def filter_status_text(self, queryset, name, value):
        receipts = PaymentItem.objects.filter(payment=OuterRef("payment_id"), confirmation_number__icontains=value)
        return queryset.filter(Q(message__icontains=value) | Q(payment__reference__icontains=value)
                               | Exists(receipts))


class EnrollmentFilter(OfficeFilterSet):
    """Customer AutoPay: find an enrollment by its customer or account, or its payment type."""

    q = df.CharFilter(label=_("Customer or customer number"), method="search", max_length=100,
                      widget=_search_input())
    kind = df.ChoiceFilter(field_name="method__kind", label=_("Payment type"), choices=KINDS,
                           empty_label=_("Card or bank account"))

    def search(self, queryset, name, value):
        match = (Q(user__email__icontains=value) | Q(user__first_name__icontains=value)
                 | Q(user__last_name__icontains=value) | Q(customer_number__icontains=value))
        if _digits(value).isdigit():
            match |= Q(account_key__contains=_digits(value))
        return queryset.filter(match)
