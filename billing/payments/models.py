"""Paying: settings, the wallet, payments with their items (the outbox) and events, the cart."""

from decimal import Decimal

from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from portal.encryption import SecretField
from portal.models import Tenant

from ..accounts.models import MONEY
from .provider_account import ProviderAccount  # noqa: F401  (a model of this app)

def default_provider() -> str:
    """A new city pays on the sandbox outside production; in production it takes no payments until set up."""
    from django.conf import settings

    return PaymentSettings.Provider.NOT_SET_UP if settings.PRODUCTION else PaymentSettings.Provider.SANDBOX


class PaymentSettings(models.Model):
    """The office's payment choices ("Admin - Portal Settings": Payment, Payment Providers)."""

    class Provider(models.TextChoices):
        NOT_SET_UP = "none", _("Not set up (no online payments)")
        SANDBOX = "sandbox", _("Sandbox (test payments, no money moves)")
        STRIPE = "stripe", _("Stripe")

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="payment_settings")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=default_provider)
    stripe_publishable_key = models.CharField(max_length=200, blank=True)
    stripe_secret_key = SecretField(max_length=200, blank=True)
    stripe_webhook_secret = SecretField(max_length=200, blank=True)
    # Service fee per payment type: percent of the amount plus a flat part, never below the minimum.
    card_fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("2.95"))
    card_fee_flat = models.DecimalField(**MONEY, default=Decimal("0.00"))
    card_fee_minimum = models.DecimalField(**MONEY, default=Decimal("1.50"))
    ach_fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0.00"))
    ach_fee_flat = models.DecimalField(**MONEY, default=Decimal("0.95"))
    ach_fee_minimum = models.DecimalField(**MONEY, default=Decimal("0.00"))
    minimum_payment = models.DecimalField(**MONEY, default=Decimal("1.00"))
    maximum_payment = models.DecimalField(**MONEY, default=Decimal("5000.00"))
    # How far a utility payment may go over the balance due (a credit on the account).
    maximum_overpayment = models.DecimalField(**MONEY, default=Decimal("500.00"))
    allow_other_payments = models.BooleanField(default=True)
    require_comment_for_other_payments = models.BooleanField(default=False)
    allow_guest_payments = models.BooleanField(default=True)
    allow_shopping_cart = models.BooleanField(default=True)
    other_payments_message = models.TextField(blank=True, default="")
    payment_page_message = models.TextField(blank=True, default="")
    payment_complete_message = models.TextField(blank=True, default="")
    udf_block_card = models.CharField(max_length=60, blank=True, default="BLOCK CC")
    udf_block_ach = models.CharField(max_length=60, blank=True, default="BLOCK ACH")
    # The receipt email is an email template now (communications, kind payment_receipt).

    def fee_for(self, kind: str, amount: Decimal) -> Decimal:
        """The service fee of paying `amount` by `kind` ("card" or "ach"), rounded half up to the cent."""
        from decimal import ROUND_HALF_UP

        percent, flat, minimum = ((self.card_fee_percent, self.card_fee_flat, self.card_fee_minimum) if kind == "card"
                                  else (self.ach_fee_percent, self.ach_fee_flat, self.ach_fee_minimum))
        if amount <= 0:
            return Decimal("0.00")
        fee = (amount * percent / Decimal(100) + flat).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return max(fee, minimum)


class PaymentMethod(models.Model):
    """A saved payment method (the wallet). It belongs to the portal user, never to a utility account.

    Only the provider's token, the brand and the last 4 digits are kept: never a card or bank number.
    """

    class Kind(models.TextChoices):
        CARD = "card", _("Card")
        ACH = "ach", _("Bank account")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payment_methods")
    user = models.ForeignKey("customers.User", on_delete=models.CASCADE, related_name="payment_methods")
    provider = models.CharField(max_length=20)
    token = models.CharField(max_length=120)
    customer_token = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    brand = models.CharField(max_length=40)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "provider", "token"], name="payment_method_unique")]
        indexes = [models.Index(fields=["tenant", "user"], name="payment_method_user")]

    def __str__(self) -> str:
        return f"{self.brand} ending {self.last4}"

    @property
    def label(self) -> str:
        return f"{self.brand} •••• {self.last4}"

    def expires_within(self, days: int = 60) -> bool:
        if not (self.exp_month and self.exp_year):
            return False
        import calendar
        from datetime import date, timedelta

        last_day = date(self.exp_year, self.exp_month, calendar.monthrange(self.exp_year, self.exp_month)[1])
        return last_day < timezone.localdate() + timedelta(days=days)

    @property
    def is_expired(self) -> bool:
        return self.expires_within(0)


class Payment(models.Model):
    """One checkout: one charge at the provider, and one receipt in Cash Receipting per item.

    States and the allowed moves are in billing/payments/states.py; every change goes through its
    transition() and is a PaymentEvent with its actor.
    """

    class State(models.TextChoices):
        CREATED = "created", _("Not submitted")
        PROCESSING = "processing", _("Charging")
        CHARGED = "charged", _("Received, posting pending")
        POSTED = "posted", _("Posted")
        FAILED = "failed", _("Failed")
        REFUNDED = "refunded", _("Refunded")
        RETURNED = "returned", _("Returned by the bank")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payments")
    reference = models.CharField(max_length=40)  # unique within the city (Meta)
    idempotency_key = models.CharField(max_length=80)  # unique within the city (Meta)
    user = models.ForeignKey("customers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="payments")
    session_key = models.CharField(max_length=64, blank=True)  # a guest's checkout belongs to their session
    payer_email = models.EmailField(blank=True)
    payer_name = models.CharField(max_length=120, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.CREATED)
    amount = models.DecimalField(**MONEY)
    fee = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    method_kind = models.CharField(max_length=10, choices=PaymentMethod.Kind.choices)
    method_brand = models.CharField(max_length=40, blank=True)
    method_last4 = models.CharField(max_length=4, blank=True)
    method_token = models.CharField(max_length=120)
    customer_token = models.CharField(max_length=120, blank=True)
    save_method = models.BooleanField(default=False)
    provider = models.CharField(max_length=20)
    provider_payment_id = models.CharField(max_length=120, blank=True)
    provider_account = models.ForeignKey(ProviderAccount, on_delete=models.PROTECT, null=True, related_name="payments")
    customer_present = models.BooleanField(default=True)  # False: AutoPay, nobody at the screen
    # The janitor's schedule for a charge whose answer was lost (checkout.recover_processing).
    checks = models.PositiveSmallIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    last_check_error = models.CharField(max_length=300, blank=True)
    needs_attention_at = models.DateTimeField(null=True, blank=True)  # unresolved after a day: the office looks
    failure_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    charged_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    deposit_date = models.DateField(null=True, blank=True)
    # A success that arrived after the payment was marked failed: money taken, waiting for the office.
    late_success_at = models.DateTimeField(null=True, blank=True)
    late_success_payment_id = models.CharField(max_length=120, blank=True)
    # A bank debit the customer's bank took back after it settled (returns.py): when, and its ACH code.
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=120, blank=True)

    class Meta:
        # Tenant first everywhere, so the table can be distributed by city.
        constraints = [models.UniqueConstraint(fields=["tenant", "reference"], name="payment_reference_unique"),
                       models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="payment_idempotency_unique")]
        indexes = [models.Index(fields=["tenant", "state", "-created_at"], name="payment_state_recent"),
                   models.Index(fields=["tenant", "user", "-created_at"], name="payment_user_recent"),
                   models.Index(fields=["tenant", "provider_payment_id"], name="payment_provider_id"),
                   # Completed Payments' order and the Overview's today/this period: newest paid first.
                   models.Index(models.F("tenant"), Coalesce("charged_at", "created_at").desc(), models.F("id").desc(),
                                name="payment_paid_recent")]

    def __str__(self) -> str:
        return f"{self.reference} {self.total} {self.state}"

    @property
    def method_label(self) -> str:
        brand = self.method_brand or self.get_method_kind_display()
        return f"{brand} •••• {self.method_last4}" if self.method_last4 else brand


class PayableTarget(models.Model):
    """What a payment item pays for: a utility account, or a Cash Receipting distribution."""

    class Kind(models.TextChoices):
        UTILITY = "utility", _("Utility bill")
        MISC = "misc", _("Other payment")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    account_key = models.CharField(max_length=20, blank=True)
    customer_number = models.CharField(max_length=24, blank=True)
    category = models.CharField(max_length=40, blank=True)
    category_name = models.CharField(max_length=120, blank=True)
    distribution = models.CharField(max_length=40, blank=True)
    distribution_name = models.CharField(max_length=120, blank=True)
    category_reference = models.CharField(max_length=60, blank=True)
    payor = models.CharField(max_length=120, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(**MONEY)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        if self.kind == self.Kind.UTILITY:
            return gettext("Utility account %(number)s") % {"number": self.customer_number or self.account_key}
        label = " – ".join(p for p in (self.category_name or self.category, self.distribution_name or self.distribution)
                           if p)
        return f"{label} ({self.category_reference})" if self.category_reference else label


class PaymentItem(PayableTarget):
    """What one payment pays for, and its receipt in Cash Receipting: the outbox row.

    It is written together with the charge's success, then a worker posts it with its own
    reference (idempotent at COWS), so it is posted once, whatever fails in between.
    """

    class PostState(models.TextChoices):
        HELD = "held", _("Not charged yet")
        WAITING = "waiting", _("Waiting to post")
        POSTED = "posted", _("Posted")
        VOID = "void", _("Not to post (charge failed)")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payment_items")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="items")
    reference = models.CharField(max_length=48)  # unique within the city (Meta)
    post_state = models.CharField(max_length=10, choices=PostState.choices, default=PostState.HELD)
    confirmation_number = models.CharField(max_length=40, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)  # which worker's batch holds it (posting.py)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "reference"], name="payment_item_reference_unique")]
        indexes = [models.Index(fields=["tenant", "post_state", "next_attempt_at"], name="payment_item_due")]

class PaymentEvent(models.Model):
    """A recorded change of a payment's state, with when and why."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="payment_events")
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    reason = models.CharField(max_length=300, blank=True)
    actor = models.CharField(max_length=60, blank=True)  # customer, guest, clerk, task:<name>, webhook:<provider>, recovery
    actor_user = models.ForeignKey("customers.User", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")


class ProviderEvent(models.Model):
    """A webhook event already handled (the provider may send one more than once)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="provider_events")
    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=120)
    event_type = models.CharField(max_length=80)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "provider", "event_id"], name="provider_event_unique")]


class CartItem(PayableTarget):
    """Something waiting in a shopping cart (a user's, or a guest's session)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="cart_items")
    user = models.ForeignKey("customers.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    session_key = models.CharField(max_length=64, blank=True)
    added_at = models.DateTimeField(default=timezone.now)
