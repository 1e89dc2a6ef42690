"""The categories of mail and texts a city sends."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Receipts and security")  # always sent, cannot be turned off
    BILLS = "bills", _("Bill ready and Email Bills")
    REMINDERS = "reminders", _("Payment reminders and late notices")
    AUTOPAY = "autopay", _("AutoPay notices")
    NEWSLETTERS = "newsletters", _("Newsletters and mass email")


# The categories a person may turn off, in the order My profile shows them.
OPTIONAL = [c for c in Category if c != Category.TRANSACTIONAL]
