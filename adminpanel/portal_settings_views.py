"""Admin - Portal Settings: General (names, messages, tiles, payment options, contact) and Theming."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from billing.payments import settings as payment_settings_domain
from portal import portal_settings as domain
from portal.access import office_admin_required

from . import audit
from .portal_settings_forms import (PAYMENT_FIELDS, GeneralSettingsForm, ImageForm, ThemeColourForm,
                                    general_initial)
from .selectors import payment_settings_for_edit

WORDS = {  # whole sentences per image, so each translates as a sentence
    "photo": {"target": gettext_lazy("main-page photo"), "changed": gettext_lazy("Changed the main-page photo"),
              "saved": gettext_lazy("The main-page photo was saved."),
              "removed": gettext_lazy("Removed the main-page photo"),
              "gone": gettext_lazy("The main-page photo was removed."),
              "title": gettext_lazy("Remove the main-page photo"),
              "ask": gettext_lazy("Remove the main-page photo from the sign-in page?"),
              "after": gettext_lazy("The sign-in page will show the messages only, and the photo's file is deleted. "
                                    "This cannot be undone: to show it again, upload it again. Your name is "
                                    "recorded."),
              "remove": gettext_lazy("Remove photo"), "keep": gettext_lazy("Keep the photo")},
    "logo": {"target": gettext_lazy("logo"), "changed": gettext_lazy("Changed the logo"),
             "saved": gettext_lazy("The logo was saved."), "removed": gettext_lazy("Removed the logo"),
             "gone": gettext_lazy("The logo was removed."),
             "title": gettext_lazy("Remove the logo"),
             "ask": gettext_lazy("Remove the logo from the header of every page?"),
             "after": gettext_lazy("The header will show the first letter of the city's name, and the logo's file is "
                                   "deleted. This cannot be undone: to show it again, upload it again. Your name is "
                                   "recorded."),
             "remove": gettext_lazy("Remove logo"), "keep": gettext_lazy("Keep the logo")},
}


def _general_snapshot(portal, payment, tenant) -> dict:
    return {**audit.snapshot(portal, domain.GENERAL_FIELDS), "enabled_modules": list(tenant.enabled_modules),
            **audit.snapshot(payment, PAYMENT_FIELDS)}


@office_admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def general(request):
    """General: the drop-down label, the three messages, Where To? tiles, payment options, contact details."""
    tenant = request.tenant
    portal, payment = domain.settings_for_edit(tenant), payment_settings_for_edit(tenant=tenant)
    before = _general_snapshot(portal, payment, tenant)
    form = GeneralSettingsForm(request.POST if request.method == "POST" else None,
                               initial=general_initial(portal, payment, tenant))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # both halves or neither
                portal = domain.update_portal_settings(tenant=tenant, changes=form.portal_changes(),
                                                       acting_user=request.user)
                payment = payment_settings_domain.update_payment_settings(
                    tenant=tenant, changes=form.payment_changes(), acting_user=request.user)
        except domain.PortalSettingsRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            audit.record_changes(request, "settings.general", _("Changed the general portal settings"),
                                 before, _general_snapshot(portal, payment, tenant))
            messages.success(request, _("The general settings were saved."))
            return redirect("adminpanel:portal_general")
    return render(request, "adminpanel/settings_general.html", {"form": form},
                  status=400 if form.errors else 200)


def _theme_page(request, *, colour_form=None, photo_form=None, logo_form=None, status=200):
    current = domain.settings_for_edit(request.tenant)
    context = {
        "current": current, "standard_colour": domain.STANDARD_COLOUR,
        "is_standard": current.theme_colour.lower() == domain.STANDARD_COLOUR,
        "colour_form": colour_form or ThemeColourForm(initial={"theme_colour": current.theme_colour}),
        "photo_form": photo_form or ImageForm(kind="photo", has_image=bool(current.photo),
                                              initial={"alt_text": current.photo_alt_text}),
        "logo_form": logo_form or ImageForm(kind="logo", has_image=bool(current.logo),
                                            initial={"alt_text": current.logo_alt_text}),
    }
    return render(request, "adminpanel/settings_theme.html", context, status=status)


def _theme_snapshot(settings) -> dict:
    """The theme fields, each image by its file name ("" for none)."""
    return {name: (value.name or "") if name in ("logo", "photo") else value
            for name, value in audit.snapshot(settings, domain.THEME_FIELDS).items()}


def _record_theme(request, before: dict, after, summary: str, target: str = "") -> None:
    audit.record_changes(request, "settings.theme", summary, before, _theme_snapshot(after), target=target)


@office_admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def theme(request):
    """Theming: the primary colour (with a live preview), the main-page photo and the logo."""
    if request.method != "POST":
        return _theme_page(request)
    before = _theme_snapshot(domain.settings_for_edit(request.tenant))
    form = ThemeColourForm(request.POST)
    if form.is_valid():
        try:
            saved = domain.update_portal_settings(tenant=request.tenant, changes=form.cleaned_data,
                                                  acting_user=request.user)
        except domain.PortalSettingsRefused as refused:
            form.add_error("theme_colour", refused.message)
        else:
            _record_theme(request, before, saved, _("Changed the portal colour"))
            messages.success(request, _("The colour was saved: the portal now uses %(colour)s.")
                             % {"colour": saved.theme_colour})
            return redirect("adminpanel:portal_theme")
    return _theme_page(request, colour_form=form, status=400)


@office_admin_required
@require_POST
def theme_reset(request):
    """Back to the standard blue, in one click."""
    before = _theme_snapshot(domain.settings_for_edit(request.tenant))
    saved = domain.reset_theme_colour(tenant=request.tenant, acting_user=request.user)
    _record_theme(request, before, saved, _("Put the portal back to the standard blue"))
    messages.success(request, _("The portal is back to the standard blue."))
    return redirect("adminpanel:portal_theme")


def _save_image(request, kind: str):
    current = domain.settings_for_edit(request.tenant)
    before = _theme_snapshot(current)
    form = ImageForm(request.POST, request.FILES, kind=kind, has_image=bool(getattr(current, kind)))
    if form.is_valid():
        try:
            saved = domain.set_image(tenant=request.tenant, kind=kind, image=form.clean_file,
                                     alt_text=form.cleaned_data["alt_text"], acting_user=request.user)
        except domain.PortalSettingsRefused as refused:
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            words = WORDS[kind]
            _record_theme(request, before, saved, str(words["changed"]), target=str(words["target"]))
            messages.success(request, words["saved"])
            return redirect("adminpanel:portal_theme")
    return _theme_page(request, status=400, **{f"{kind}_form": form})


def _remove_image(request, kind: str):
    """GET asks first (showing the image), POST removes it; like every other delete in the office."""
    current = domain.settings_for_edit(request.tenant)
    words = WORDS[kind]
    if request.method != "POST":
        if not getattr(current, kind):
            return redirect("adminpanel:portal_theme")
        return render(request, "adminpanel/settings_theme_remove.html", {
            "kind": kind, "words": words, "image": getattr(current, kind),
            "alt_text": getattr(current, f"{kind}_alt_text")})
    before = _theme_snapshot(current)
    saved = domain.remove_image(tenant=request.tenant, kind=kind, acting_user=request.user)
    _record_theme(request, before, saved, str(words["removed"]), target=str(words["target"]))
    messages.success(request, words["gone"])
    return redirect("adminpanel:portal_theme")


@office_admin_required
@require_POST
def theme_photo(request):
    """A new main-page photo (or new alt text for it)."""
    return _save_image(request, "photo")


@office_admin_required
@require_POST
def theme_logo(request):
    """A new logo (or new alt text for it)."""
    return _save_image(request, "logo")


@office_admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def theme_photo_remove(request):
    """Remove the main-page photo, after asking."""
    return _remove_image(request, "photo")


@office_admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def theme_logo_remove(request):
    """Remove the logo, after asking."""
    return _remove_image(request, "logo")
