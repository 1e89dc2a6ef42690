"""The tenant (one utility office) and its portal settings."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .encryption import SecretField


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def _relative_luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (_relative_luminance(hex_colour) + 0.05)


def validate_theme_colour(value: str) -> None:
    """White text sits on the theme colour, so it must reach WCAG AA contrast (4.5:1)."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
        raise ValidationError(_("Enter a colour like #1d4ed8."))
    if contrast_with_white(value) < 4.5:
        raise ValidationError(_("This colour is too light for white text; choose a darker one."))


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    description: str
    url_name: str
    built: bool


# The Where To? tiles. A tile shows when the office enabled the module and it is built.
MODULES: tuple[Module, ...] = (
    Module("utility_billing", _("Utility Billing"), _("See your balance, bills and usage; pay your bill."),
           "billing:home", True),
    Module("other_payments", _("Other Payments"), _("Pay the city for rentals, permits and more."),
           "pay:other", True),
)
MODULE_KEYS = tuple(m.key for m in MODULES)


def default_modules() -> list[str]:
    return ["utility_billing", "other_payments"]


class Tenant(models.Model):
    """One utility office, on its own subdomain."""

    slug = models.SlugField(
        max_length=40, unique=True,
        validators=[RegexValidator(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$",
                                   _("Use lower-case letters, digits and inner hyphens."))],
    )
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, default="America/Denver", validators=[validate_time_zone])
    enabled_modules = models.JSONField(default=default_modules)
    is_active = models.BooleanField(default=True)
    cows_url = models.URLField(blank=True, help_text=_("Base URL of the office's Caselle web service (COWS)."))
    cows_api_key = SecretField(max_length=200, blank=True)  # encrypted at rest
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The city's time zone: what "today" and every schedule of this office mean."""
        return zoneinfo.ZoneInfo(self.time_zone)

    def modules(self) -> list[Module]:
        """The modules whose tiles this office shows."""
        return [m for m in MODULES if m.built and m.key in self.enabled_modules]

    def has_module(self, key: str) -> bool:
        return any(m.key == key for m in self.modules())


# The extension word in "(555) 010-0100 ext. 12": "ext", "ext." or "x" before its digits.
_EXTENSION = re.compile(r"\s*(?:ext\.?|x)\s*(?=\d)", re.IGNORECASE)


class PortalSettings(models.Model):
    """The office's own words and choices for its portal ("Admin - Portal Settings")."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="portal_settings")
    landing_message = models.TextField(blank=True, default="")
    login_top_message = models.TextField(blank=True, default="")
    login_bottom_message = models.TextField(blank=True, default="")
    departments_label = models.CharField(max_length=60, blank=True, default="")
    theme_colour = models.CharField(max_length=7, default="#1d4ed8", validators=[validate_theme_colour])
    logo = models.FileField(upload_to="logos/", blank=True)
    logo_alt_text = models.CharField(max_length=200, blank=True, default="")
    photo = models.FileField(upload_to="photos/", blank=True)  # the main-page photo on the landing page
    photo_alt_text = models.CharField(max_length=200, blank=True, default="")
    office_phone = models.CharField(max_length=40, blank=True, default="")
    office_email = models.EmailField(blank=True, default="")
    office_address = models.TextField(blank=True, default="")
    utility_home_message = models.TextField(blank=True, default="")  # Utility Billing "Home Screen Message"

    def __str__(self) -> str:
        return f"Settings of {self.tenant}"

    @property
    def office_phone_tel(self) -> str:
        """The office phone as a tel: address a phone can dial: its digits (a leading +), then ",<extension>"."""
        number, extension = (_EXTENSION.split(self.office_phone, maxsplit=1) + [""])[:2]
        digits = ("+" if number.strip().startswith("+") else "") + re.sub(r"\D", "", number)
        extension = re.sub(r"\D", "", extension)
        return f"tel:{digits},{extension}" if extension else f"tel:{digits}"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the periodic heartbeat (shown in /healthz)."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()
