"""Manage AutoPay, the customer's screens (to be filled in)."""

from django.http import HttpResponse


def manage(request, account_key: str):
    return HttpResponse("")
