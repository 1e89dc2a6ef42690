"""Portal users, and their membership in each city."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Tenant


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One login per email, usable at several cities (a Membership per city).

    is_staff/is_superuser are for the platform operators only; a city's office admins are
    Memberships with the office_admin role.
    """

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    # E.164, e.g. +13035550123; empty when the person wants no text messages.
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email

    def role_at(self, tenant) -> str | None:
        """This person's role at a city (a Membership.Role value), None when not a member there."""
        roles = self.__dict__.get("city_roles")
        if roles is None:  # not loaded through the user cache (e.g. just signed in)
            roles = self.city_roles = dict(self.memberships.values_list("tenant_id", "role"))
        return roles.get(tenant.id)

    def is_office_admin_at(self, tenant) -> bool:
        return self.role_at(tenant) == Membership.Role.OFFICE_ADMIN


class Membership(models.Model):
    """A user's standing at one city: what that city's staff may see of the person."""

    class Role(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        OFFICE_ADMIN = "office_admin", _("Office admin")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CUSTOMER)
    created_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_tenant_user")]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="membership_tenant_recent")]

    def __str__(self) -> str:
        return f"{self.user} at {self.tenant.slug} ({self.role})"

    @property
    def is_office_admin(self) -> bool:
        return self.role == self.Role.OFFICE_ADMIN


class LinkedAccount(models.Model):
    """A utility account (a Caselle customer number) linked to a portal user at one city.

    Many users may link one account; the wallet stays with each user, never the account.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="linked_accounts")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="linked_accounts")
    account_key = models.CharField(max_length=20, help_text=_("The customer number, digits only."))
    customer_number = models.CharField(max_length=24, help_text=_("The customer number as Caselle writes it."))
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user", "account_key"], name="linked_account_unique")]
        indexes = [models.Index(fields=["tenant", "account_key"], name="linked_account_by_key")]
        ordering = ["linked_at", "id"]

    def __str__(self) -> str:
        return f"{self.customer_number} linked to {self.user} at {self.tenant.slug}"


class LandlordLink(models.Model):
    """A portal user linked by the office to a landlord or cosigner in Caselle: the user sees
    every account Caselle attaches to that party, as it changes."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="landlord_links")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="landlord_links")
    landlord_id = models.PositiveIntegerField()
    landlord_name = models.CharField(max_length=200, blank=True)
    landlord_kind = models.CharField(max_length=20, blank=True)  # "landlord" or "cosigner", as Caselle says
    # How many accounts Caselle attached to the party when the office linked it (the portal's
    # LandlordSnapshot, refreshed as the user looks, says how many now).
    account_count = models.PositiveIntegerField(default=0)
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user", "landlord_id"], name="landlord_link_unique")]
        indexes = [models.Index(fields=["tenant", "-linked_at"], name="landlord_link_recent")]

    def __str__(self) -> str:
        return f"{self.user} sees landlord {self.landlord_id} at {self.tenant.slug}"


class LinkAttempt(models.Model):
    """Every try at linking an account, kept to limit guessing (and for the office's eyes).

    What was typed, why it failed and Caselle's last name are for the office's Failed link
    attempts screen only: the person who tried is told the same thing whatever went wrong.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending"
        LINKED = "linked"
        FAILED = "failed"
        BLOCKED = "blocked"
        UNAVAILABLE = "unavailable"

    class Factor(models.TextChoices):
        LAST_NAME = "last_name", _("Last name")
        AMOUNT = "amount", _("Last billed amount")
        BOTH = "both", _("Last name and last billed amount")

    class Reason(models.TextChoices):
        NO_ACCOUNT = "no_account", _("No such account")
        NAME = "name_mismatch", _("Name does not match")
        AMOUNT = "amount_mismatch", _("Amount does not match")
        RATE_LIMITED = "rate_limited", _("Too many tries (rate limited)")
        UNAVAILABLE = "unavailable", _("Billing system down")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="link_attempts")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="link_attempts")
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    attempted_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    customer_number = models.CharField(max_length=30, blank=True)  # as typed
    account_key = models.CharField(max_length=20, blank=True)  # its digits
    factor = models.CharField(max_length=10, choices=Factor.choices, blank=True)
    tried_last_name = models.CharField(max_length=100, blank=True)
    tried_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    caselle_last_name = models.CharField(max_length=150, blank=True)  # when the account exists

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "user", "attempted_at"], name="link_attempt_user"),
            models.Index(fields=["tenant", "client_ip", "attempted_at"], name="link_attempt_ip"),
            models.Index(fields=["tenant", "outcome", "-attempted_at"], name="link_attempt_recent"),
            # Failed link attempts, newest first: three outcomes in one order, so not the index above.
            models.Index(fields=["tenant", "-attempted_at", "-id"], name="link_attempt_newest"),
        ]


class StaffInvitation(models.Model):
    """An office admin's invitation for another person to become an office admin of the city.

    The email carries a one-time link; only its hash is kept. It is accepted (once) by a person signed in
    with that verified address before `expires_at`, or cancelled; a newer invitation to the same address
    cancels the older one. Written by customers/staff.py.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="staff_invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64)  # sha256 of the link's token, hex
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "token_hash"], name="staff_invitation_token")]
        indexes = [models.Index(fields=["tenant", "email"], name="staff_invitation_email")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} invited to {self.tenant.slug}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > timezone.now()


class NotificationChoice(models.Model):
    """One address's yes or no to one category of mail (or texts) from one city.

    Kept per address, not per user, so an address that is not a portal user (the email Caselle has on
    an account, which gets Email Bills) can unsubscribe too; a portal user's choices on My profile are
    the rows for their own email and phone. No row means yes. Written by customers/notifications/.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        TEXT = "text", _("Text message")

    class Source(models.TextChoices):
        PROFILE = "profile", _("My profile")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="notification_choices")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    address = models.CharField(max_length=254)  # email lower-cased, or an E.164 phone
    category = models.CharField(max_length=20)  # a customers.notifications.Category value
    allowed = models.BooleanField(default=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.PROFILE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "channel", "address", "category"],
                                    name="notification_choice_unique"),
        ]
        indexes = [
            # opted_out(): the refusals of one category among a list of addresses.
            models.Index(fields=["tenant", "channel", "category", "allowed", "address"],
                         name="notification_choice_refusals"),
        ]

    def __str__(self) -> str:
        return f"{self.address} {'yes' if self.allowed else 'no'} to {self.category} at {self.tenant.slug}"


class TextConsent(models.Model):
    """A portal user's yes to text messages from one city, at the mobile phone on their profile (no row: no texts)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="text_consents")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="text_consents")
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="text_consent_tenant_user")]

    def __str__(self) -> str:
        return f"{self.user} takes texts from {self.tenant.slug}"
