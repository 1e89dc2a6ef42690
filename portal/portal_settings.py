"""The office's portal settings (Admin - Portal Settings: General and Theming): checked, then saved.

Messages are plain text (shown with line breaks, never as HTML). The theme colour must leave white
text readable (WCAG AA). Images arrive already cleaned by `branding.clean_image`; a replaced or
removed image's file is deleted only once the change is committed.
"""

from __future__ import annotations

import logging
import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from . import registry
from .branding import KINDS, CleanImage
from .models import MODULES, Module, PortalSettings, Tenant, contrast_with_white, validate_theme_colour

logger = logging.getLogger(__name__)

STANDARD_COLOUR = PortalSettings._meta.get_field("theme_colour").default
MESSAGE_MAX = 2000
MESSAGES = ("login_top_message", "login_bottom_message", "landing_message")
GENERAL_FIELDS = ("departments_label", *MESSAGES, "office_phone", "office_email", "office_address")
THEME_FIELDS = ("theme_colour", "logo", "logo_alt_text", "photo", "photo_alt_text")
ALT_TEXT_MAX = 200
ADDRESS_MAX = 300
# A tag, a comment or a doctype: "<" followed at once by a letter (after "/", "!" or "?"), or "<!--". A browser
# reads nothing else as a tag, so "Pay in < 5 days" and "a < b and b > c" stay text.
_HTML_TAG = re.compile(r"<(?:[/!?]?[a-zA-Z]|!--)")
_PHONE = re.compile(r"[0-9+().\-\s]{7,30}(\s*(ext\.?|x)\s*[0-9]{1,6})?", re.IGNORECASE)


class PortalSettingsRefused(Exception):
    """A value the portal will not save; the message says why, `field` names the field."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def offered_modules() -> list[Module]:
    """The modules an office may turn on: the built ones."""
    return [m for m in MODULES if m.built]


def departments(tenant: Tenant, request=None) -> list[Module]:
    """The modules the city shows (Where To? tiles and the Departments menu), after every app's filter; while a clerk
    views the portal as someone, only those the view lets them open."""
    modules = tenant.modules()
    for keep in registry.module_filters:
        modules = keep(tenant, modules)
    viewing = getattr(request, "viewing_as", None)
    if viewing is not None:
        modules = [m for m in modules if m.url_name in viewing.pages]
    return modules


def settings_for_edit(tenant: Tenant) -> PortalSettings:
    """A fresh copy of the city's portal settings (the request's tenant is shared, so never edit that one)."""
    return PortalSettings.objects.get(tenant=tenant)


def plain_newlines(value):
    """Browsers send a textarea's line breaks as \\r\\n: kept as \\n, so an untouched message is not a change."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _tag_start(value: str) -> str:
    """The start of the first HTML tag in `value` ("<b", "</p", "<!--"), or "" when there is none."""
    tag = _HTML_TAG.search(value or "")
    return value[tag.start():tag.start() + 12].split(">")[0] if tag else ""


def plain_text_problem(value: str) -> str:
    """Why a name or a description residents or the office read as typed is refused ("" when it is plain text)."""
    tag = _tag_start(value)
    return _("Type plain text: remove the HTML tag that starts with “%(tag)s”.") % {"tag": tag} if tag else ""


def check_message(value: str, *, limit: int = MESSAGE_MAX) -> None:
    """Plain text of at most `limit` characters; PortalSettingsRefused otherwise."""
    if len(value) > limit:
        raise PortalSettingsRefused(_("This message is %(length)s characters long; a message can be at most "
                                      "%(max)s.") % {"length": f"{len(value):,}", "max": f"{limit:,}"})
    tag = _tag_start(value)
    if tag:
        raise PortalSettingsRefused(_("Messages are plain text: remove the HTML tag that starts with "
                                      "“%(tag)s”. Line breaks are kept as you type them.") % {"tag": tag})


def check_colour(value: str) -> None:
    """A #rrggbb colour on which white text reaches 4.5:1; PortalSettingsRefused with the ratio otherwise."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
        raise PortalSettingsRefused(_("Enter a colour as # and six hexadecimal digits, such as #1d4ed8."),
                                    field="theme_colour")
    ratio = contrast_with_white(value)
    if ratio < 4.5:
        raise PortalSettingsRefused(_(
            "White text on %(colour)s has a contrast of %(ratio)s:1; it needs at least 4.5:1 to be readable "
            "(WCAG AA). Choose a darker colour.") % {"colour": value.lower(), "ratio": f"{int(ratio * 100) / 100:.2f}"},
            field="theme_colour")
    validate_theme_colour(value)


def check_general(changes: dict) -> None:
    """Each General value present in `changes` within its rules; PortalSettingsRefused names the field."""
    for name in MESSAGES:
        if name in changes:
            try:
                check_message(changes[name])
            except PortalSettingsRefused as refused:
                raise PortalSettingsRefused(refused.message, field=name) from None
    if len(changes.get("departments_label", "")) > 60 or "\n" in changes.get("departments_label", ""):
        raise PortalSettingsRefused(_("Use one line of at most 60 characters."), field="departments_label")
    phone = changes.get("office_phone", "")
    if phone and not _PHONE.fullmatch(phone):
        raise PortalSettingsRefused(_("Enter a phone number such as (555) 010-0100 or 555-010-0100 ext. 12."),
                                    field="office_phone")
    if changes.get("office_email"):
        try:
            validate_email(changes["office_email"])
        except ValidationError:
            raise PortalSettingsRefused(_("Enter an email address such as office@example.org."),
                                        field="office_email") from None
    address = changes.get("office_address", "")
    if len(address) > ADDRESS_MAX or _HTML_TAG.search(address):
        raise PortalSettingsRefused(_("Enter the address as plain text of at most %(max)s characters.")
                                    % {"max": ADDRESS_MAX}, field="office_address")
    modules = changes.get("enabled_modules")
    if modules is not None and not set(modules) <= {m.key for m in offered_modules()}:
        raise PortalSettingsRefused(_("Choose only from the services listed."), field="enabled_modules")


def check_alt_text(value: str) -> str:
    """The alt text on one line: required, plain, at most ALT_TEXT_MAX characters."""
    value = " ".join(value.split())
    if not value:
        raise PortalSettingsRefused(_("Describe the image for people who cannot see it (alt text)."),
                                    field="alt_text")
    if len(value) > ALT_TEXT_MAX:
        raise PortalSettingsRefused(_("Alt text can be at most %(max)s characters; it has %(length)s.")
                                    % {"max": ALT_TEXT_MAX, "length": len(value)}, field="alt_text")
    if _HTML_TAG.search(value):
        raise PortalSettingsRefused(_("Alt text is plain text: describe the image in words, without HTML."),
                                    field="alt_text")
    return value


def _locked(tenant: Tenant) -> PortalSettings:
    settings, _created = PortalSettings.objects.select_for_update().get_or_create(tenant=tenant)
    return settings


@transaction.atomic
def update_portal_settings(*, tenant: Tenant, changes: dict, acting_user) -> PortalSettings:
    """Save the office's portal settings (names, messages, contact details, which modules show, the colour)."""
    unknown = set(changes) - {*GENERAL_FIELDS, "enabled_modules", "theme_colour", "utility_home_message"}
    if unknown:
        raise ValueError(f"not portal settings: {sorted(unknown)}")
    changes = {name: plain_newlines(value) for name, value in changes.items()}
    check_general(changes)
    if "utility_home_message" in changes:  # Utility Admin's Home Screen Message: the same rules as the others
        try:
            check_message(changes["utility_home_message"])
        except PortalSettingsRefused as refused:
            raise PortalSettingsRefused(refused.message, field="utility_home_message") from None
    if "theme_colour" in changes:
        check_colour(changes["theme_colour"])
    settings = _locked(tenant)
    changed = [name for name in changes if name != "enabled_modules" and getattr(settings, name) != changes[name]]
    for name in changed:
        setattr(settings, name, changes[name])
    if changed:
        settings.save(update_fields=changed)
    if "enabled_modules" in changes:
        _set_modules(tenant, changes["enabled_modules"])
    logger.info("portal settings changed", extra={"acting_user_id": getattr(acting_user, "id", None),
                                                  "fields": ",".join(changed)})
    tenant.portal_settings = settings
    return settings


def _set_modules(tenant: Tenant, chosen: list[str]) -> None:
    row = Tenant.objects.select_for_update().get(pk=tenant.pk)
    offered = {m.key for m in offered_modules()}
    # A module that is not built yet is not offered on the form, so the form cannot have turned it off.
    kept = [key for key in row.enabled_modules if key not in offered]
    modules = [m.key for m in MODULES if m.key in chosen] + kept
    if modules != row.enabled_modules:
        row.enabled_modules = modules
        row.save(update_fields=["enabled_modules"])
    tenant.enabled_modules = modules


def reset_theme_colour(*, tenant: Tenant, acting_user) -> PortalSettings:
    """Back to the standard blue."""
    return update_portal_settings(tenant=tenant, changes={"theme_colour": STANDARD_COLOUR}, acting_user=acting_user)


@transaction.atomic
def set_image(*, tenant: Tenant, kind: str, image: CleanImage | None, alt_text: str, acting_user) -> PortalSettings:
    """Store a new logo or main-page photo (or only its alt text); the old file goes once this commits."""
    spec = KINDS[kind]
    alt_text = check_alt_text(alt_text)
    settings = _locked(tenant)
    field = getattr(settings, spec.key)
    if image is None and not field:
        raise PortalSettingsRefused(_("Choose an image to upload."), field="image")
    old_name = field.name
    update = [f"{spec.key}_alt_text"]
    setattr(settings, f"{spec.key}_alt_text", alt_text)
    if image is not None:
        content = image.as_file()
        field.save(content.name, content, save=False)  # upload_to's folder, a random name
        update.append(spec.key)
    try:
        settings.save(update_fields=update)
    except Exception:
        if image is not None:
            field.storage.delete(field.name)  # a refused save leaves no file behind
        raise
    if image is not None and old_name:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    logger.info("portal image changed", extra={"acting_user_id": getattr(acting_user, "id", None), "kind": kind})
    tenant.portal_settings = settings
    return settings


@transaction.atomic
def remove_image(*, tenant: Tenant, kind: str, acting_user) -> PortalSettings:
    """Take the logo or the main-page photo off the portal (and its file out of storage)."""
    spec = KINDS[kind]
    settings = _locked(tenant)
    field = getattr(settings, spec.key)
    old_name = field.name
    if old_name:
        field.name = ""
        setattr(settings, f"{spec.key}_alt_text", "")
        settings.save(update_fields=[spec.key, f"{spec.key}_alt_text"])
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    logger.info("portal image removed", extra={"acting_user_id": getattr(acting_user, "id", None), "kind": kind})
    tenant.portal_settings = settings
    return settings

