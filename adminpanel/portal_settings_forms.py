"""Admin - Portal Settings: the General form and the Theming forms (colour, main-page photo, logo).

The rules live in portal.portal_settings and portal.branding; these forms ask them and put each
refusal on its field.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import portal_settings as domain
from portal.branding import KINDS, ImageRefused, clean_image

PAYMENT_FIELDS = ("allow_other_payments", "require_comment_for_other_payments", "allow_guest_payments",
                  "allow_shopping_cart", "other_payments_message")
PORTAL_FIELDS = (*domain.GENERAL_FIELDS, "enabled_modules")


def _message(label, help_text=""):
    help_text = help_text or _("Plain text, at most %(max)s characters; line breaks are kept.") % {
        "max": f"{domain.MESSAGE_MAX:,}"}
    return forms.CharField(label=label, required=False, strip=True, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 4}))


class GeneralSettingsForm(forms.Form):
    """Names, messages, Where To? tiles, the payment options and the office's contact details."""

    departments_label = forms.CharField(
        label=_("Main navigation drop-down label"), required=False, strip=True,
        help_text=_("The menu in the header that lists the city's services. Leave empty for “Departments”."))
    login_top_message = _message(_("Top login screen message"), _(
        "Shown in the box on the left of the sign-in page, above Pay Now. Plain text; line breaks are kept."))
    login_bottom_message = _message(_("Bottom login screen message"), _(
        "Shown in the same box, below Pay Now. Plain text; line breaks are kept."))
    landing_message = _message(_("Landing screen message"), _(
        "Shown on the home page after signing in. Plain text; line breaks are kept."))
    enabled_modules = forms.MultipleChoiceField(
        label=_("Services shown as Where To? tiles and in the drop-down menu"), required=False,
        widget=forms.CheckboxSelectMultiple)
    allow_other_payments = forms.BooleanField(
        label=_("Allow other payments (Miscellaneous Payments while signed in)"), required=False)
    require_comment_for_other_payments = forms.BooleanField(
        label=_("Require a comment for other payments"), required=False)
    allow_guest_payments = forms.BooleanField(
        label=_("Allow payments without logging in (Pay as Guest on the main page)"), required=False)
    allow_shopping_cart = forms.BooleanField(
        label=_("Allow the shopping cart (several bills or fees in one payment)"), required=False)
    other_payments_message = _message(_("Other Payments screen message"), _(
        "Shown on the Other Payments page. Plain text; line breaks are kept."))
    office_phone = forms.CharField(label=_("Office phone"), required=False, strip=True,
                                   widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    office_email = forms.CharField(label=_("Office email"), required=False, strip=True,
                                   widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    office_address = forms.CharField(label=_("Office address"), required=False, strip=True,
                                     widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text=_("Shown at the foot of every page with the phone and email."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enabled_modules"].choices = [(m.key, m.label) for m in domain.offered_modules()]

    def clean(self):
        data = super().clean()
        for name in (*domain.GENERAL_FIELDS, "other_payments_message"):
            if name not in data:
                continue
            try:
                if name in (*domain.MESSAGES, "other_payments_message"):
                    domain.check_message(data[name])
                else:
                    domain.check_general({name: data[name]})
            except domain.PortalSettingsRefused as refused:
                self.add_error(name, refused.message)
        return data

    def portal_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in PORTAL_FIELDS}

    def payment_changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in PAYMENT_FIELDS}


def general_initial(portal, payment, tenant) -> dict:
    """The form's starting values, from the city's portal and payment settings."""
    return {**{name: getattr(portal, name) for name in domain.GENERAL_FIELDS},
            **{name: getattr(payment, name) for name in PAYMENT_FIELDS},
            "enabled_modules": list(tenant.enabled_modules)}


class ThemeColourForm(forms.Form):
    """The primary colour: the header, buttons and links."""

    theme_colour = forms.CharField(
        label=_("Primary colour"), strip=True,
        error_messages={"required": _("Enter a colour as # and six hexadecimal digits, such as #1d4ed8.")},
        help_text=_("# and six hexadecimal digits, such as #1d4ed8. White text sits on this colour, so it must be "
                    "dark enough: a contrast of at least 4.5:1."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "colour-text"}))

    def clean_theme_colour(self):
        value = self.cleaned_data["theme_colour"].lower()
        try:
            domain.check_colour(value)
        except domain.PortalSettingsRefused as refused:
            raise forms.ValidationError(refused.message) from None
        return value


class ImageForm(forms.Form):
    """A logo or the main-page photo: a new file (checked by its content) and its alt text."""

    image = forms.FileField(required=False, widget=forms.ClearableFileInput(
        attrs={"accept": "image/png,image/jpeg,image/webp"}))
    alt_text = forms.CharField(required=False, strip=True)

    def __init__(self, *args, kind: str, has_image: bool, **kwargs):
        super().__init__(*args, prefix=kind, **kwargs)
        self.kind, self.has_image, self.clean_file = KINDS[kind], has_image, None
        spec = self.kind
        self.fields["image"].widget = forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})
        self.fields["alt_text"].widget.attrs["aria-required"] = "true"
        if kind == "logo":
            self.fields["image"].label = _("New logo")
            self.fields["image"].help_text = _(
                "PNG, JPEG or WebP, up to 5 MB. It is resized to fit %(w)s × %(h)s pixels.") % {
                "w": spec.max_width, "h": spec.max_height}
            self.fields["alt_text"].label = _("Logo alt text (required)")
            self.fields["alt_text"].help_text = _("What the logo says or shows, for people who cannot see it, "
                                                  "such as “City of Riverton seal”.")
        else:
            self.fields["image"].label = _("New main-page photo")
            self.fields["image"].help_text = _(
                "PNG, JPEG or WebP, up to 5 MB. It is resized to fit %(w)s × %(h)s pixels.") % {
                "w": spec.max_width, "h": spec.max_height}
            self.fields["alt_text"].label = _("Photo alt text (required)")
            self.fields["alt_text"].help_text = _("What the photo shows, for people who cannot see it, such as "
                                                  "“The river walk in autumn”.")

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            try:
                self.clean_file = clean_image(upload, kind=self.kind)
            except ImageRefused as refused:
                raise forms.ValidationError(refused.message) from None
        return upload

    def clean_alt_text(self):
        try:
            return domain.check_alt_text(self.cleaned_data["alt_text"])
        except domain.PortalSettingsRefused as refused:
            raise forms.ValidationError(refused.message) from None

    def clean(self):
        data = super().clean()
        if not self.has_image and not data.get("image") and "image" not in self.errors:
            self.add_error("image", _("Choose an image to upload."))
        return data
