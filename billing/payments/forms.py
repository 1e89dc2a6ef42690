"""The forms of the pay pages: other payments (with the office's reference check), the cart's guest details."""

from __future__ import annotations

from decimal import Decimal

from allauth.core import ratelimit
from django import forms
from django.utils.translation import gettext, gettext_lazy as _

from cows_bridge import client as cows
from cows_bridge.errors import CowsError

from .amounts import CheckoutError, parse_amount
from .checkout import ItemSpec
from .models import Payment, PaymentItem

NAME_LENGTH = Payment._meta.get_field("payer_name").max_length
TOO_MANY = "too_many"


def _receipt_email(required: bool) -> forms.EmailField:
    message = _("Enter your email address for the receipt.")
    return forms.EmailField(required=required, max_length=254,
                            error_messages={"required": message, "invalid": message, "max_length": message})


def _amount(raw) -> Decimal:
    try:
        return parse_amount(raw)
    except CheckoutError as exc:
        raise forms.ValidationError(str(exc)) from None


def reference_check_allowed(request) -> bool:
    """Count one look-up of a reference in the office's records, per client IP and per session (allauth's limiter)."""
    if not request.session.session_key:
        request.session.save()
    return ratelimit.consume(request, action="pay_reference", key=f"{request.tenant.id}:{request.session.session_key}")


def errors_by_field(form: forms.Form) -> dict[str, str]:
    """The first error of each field; the form's own errors under "form" (as the templates show them)."""
    return {("form" if name == "__all__" else name): errors[0] for name, errors in form.errors.items()}


class GuestDetailsForm(forms.Form):
    """Who a guest is, for the receipt: checked like the other-payment form."""

    email = _receipt_email(required=True)
    name = forms.CharField(required=False, max_length=NAME_LENGTH)


class OtherPaymentForm(forms.Form):
    """Other Payments and Pay as Guest: department, payment type, reference or payor, amount."""

    category = forms.CharField(required=False)
    distribution = forms.CharField(required=False)
    category_reference = forms.CharField(required=False, max_length=60)
    payor = forms.CharField(required=False, max_length=NAME_LENGTH)
    comment = forms.CharField(required=False, max_length=500)
    email = _receipt_email(required=False)
    amount = forms.CharField(required=False)

    def __init__(self, data=None, *, request, categories: list, settings_):
        super().__init__(data)
        self.request, self.categories, self.settings_ = request, categories, settings_
        self.guest = not request.user.is_authenticated
        self.fields["email"].required = self.guest
        source = data or {}
        self.chosen_category = next((c for c in categories if c.code == source.get("category")), None)
        self.chosen_distribution = None
        if self.chosen_category is not None:
            self.chosen_distribution = next((d for d in self.chosen_category.portal_distributions
                                             if d.code == source.get("distribution")), None)
        self.found_payor = ""

    def clean_category(self):
        if self.chosen_category is None:
            raise forms.ValidationError(_("Choose a department."))
        return self.chosen_category

    def clean_distribution(self):
        if self.chosen_category is not None and self.chosen_distribution is None:
            raise forms.ValidationError(_("Choose a payment type."))
        return self.chosen_distribution

    def clean_category_reference(self):
        """The office's records confirm the permit (or other) number; every miss gets the same answer."""
        reference = self.cleaned_data["category_reference"].strip()
        category, distribution = self.chosen_category, self.chosen_distribution
        if category is None or distribution is None or not category.interfaced:
            return ""
        label = category.reference_label.lower()
        if not reference:
            raise forms.ValidationError(gettext("Enter the %(label)s.") % {"label": label})
        if not reference_check_allowed(self.request):
            raise forms.ValidationError(_("Too many tries, try again later."), code=TOO_MANY)
        try:
            valid, self.found_payor = cows.validate_reference(self.request.tenant, category=category.code,
                                                              distribution=distribution.code, reference=reference)
        except CowsError:
            raise forms.ValidationError(_("We can't check that number right now. Please try again in a few minutes."))
        if not valid:
            raise forms.ValidationError(gettext("We couldn't find %(label)s %(ref)s. Check it and try again.")
                                        % {"label": label, "ref": reference})
        return reference

    def clean_payor(self):
        payor = self.cleaned_data["payor"].strip()
        category = self.chosen_category
        if category is not None and self.chosen_distribution is not None and not category.interfaced and not payor:
            raise forms.ValidationError(_("Enter the name of the person or business paying."))
        return payor

    def clean_comment(self):
        comment = self.cleaned_data["comment"].strip()
        if self.settings_.require_comment_for_other_payments and not comment:
            raise forms.ValidationError(_("Add a comment so the office can match your payment."))
        return comment

    def clean_amount(self):
        return _amount(self.cleaned_data["amount"])

    @property
    def too_many_tries(self) -> bool:
        return self.has_error("category_reference", TOO_MANY)

    def item(self) -> ItemSpec:
        """What the valid form asks to pay."""
        data, category, distribution = self.cleaned_data, self.chosen_category, self.chosen_distribution
        return ItemSpec(kind=PaymentItem.Kind.MISC, amount=data["amount"], category=category.code,
                        category_name=category.name, distribution=distribution.code,
                        distribution_name=distribution.name, category_reference=data["category_reference"],
                        payor=data["payor"] or self.found_payor, comment=data["comment"])
