"""The sandbox provider's own records, as a processor keeps them: tokens, charges, daily deposits.

It stands apart from the portal's billing tables on purpose: the portal reaches it only through
billing.payments.providers.sandbox, as it would reach a real processor. No card or bank number is stored,
only what a processor hands back (brand, last 4) and the test outcome the number stood for.
"""

from django.db import models
from django.utils import timezone


class SandboxToken(models.Model):
    token = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=10)  # card or ach
    brand = models.CharField(max_length=40)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField(null=True)
    exp_year = models.PositiveSmallIntegerField(null=True)
    outcome = models.CharField(max_length=30)  # succeeded, card_declined, insufficient_funds, account_closed
    created_at = models.DateTimeField(default=timezone.now)


class SandboxDeposit(models.Model):
    """One day's settled payments (less the day's returns), paid into the office's bank account.

    One per city, merchant account ("" for the city's General account) and day.
    """

    tenant_slug = models.CharField(max_length=40)
    merchant = models.CharField(max_length=40, blank=True, default="")
    deposit_date = models.DateField()
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant_slug", "merchant", "deposit_date"],
                                               name="sandbox_deposit_unique")]


class SandboxCharge(models.Model):
    """A charge; a refund (negative, "refunded"); or an ACH return (negative, "returned", its R code in
    failure_code, `token` naming the charge it takes back), in the deposit of the day the bank took it back."""

    charge_id = models.CharField(max_length=40, unique=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    tenant_slug = models.CharField(max_length=40)
    token = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=20)  # succeeded, failed, refunded or returned
    failure_code = models.CharField(max_length=40, blank=True)
    failure_message = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deposit = models.ForeignKey(SandboxDeposit, on_delete=models.SET_NULL, null=True, blank=True, related_name="charges")
