from allauth.core.internal.httpkit import get_client_ip
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from billing.accounts.extras import JUST_LINKED

from . import linking
from .forms import LinkAccountForm
from .notification_forms import phone_as_written


@login_required
@require_GET
def profile(request):
    """The person's own settings: links to email and password, and to notifications (where the phone is set)."""
    return render(request, "customers/profile.html", {"phone": phone_as_written(request.user.phone)})


# --- linking utility accounts ----------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def link(request):
    """Link a utility account with its customer number and last name or last billed amount."""
    form = LinkAccountForm(request.POST or None)
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        try:
            result = linking.link_account(
                tenant=request.tenant, user=request.user,
                customer_number=form.cleaned_data["customer_number"],
                last_name=form.cleaned_data["last_name"],
                last_billed_amount=form.cleaned_data["last_billed_amount"],
                client_ip=get_client_ip(request),
            )
        except linking.AlreadyLinked as exc:
            messages.info(request, _("Account %(number)s is already linked to your profile.")
                          % {"number": exc.link.customer_number})
            return redirect(next_url or "billing:home")
        except linking.LinkError as exc:
            form.add_error(None, _link_error_message(request, exc))
        else:
            messages.success(request, _("Account %(number)s is now linked.") % {"number": result.link.customer_number})
            if next_url:
                return redirect(next_url)
            request.session[JUST_LINKED] = result.link.account_key  # Utility Billing offers its next steps, once
            return redirect("billing:home")
    return render(request, "customers/link.html", {"form": form, "next_url": next_url})


def _safe_next(request) -> str:
    """Where to go back after linking (a page of this city that sent the person here), or ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                 require_https=request.is_secure()):
        return target
    return ""


def _link_error_message(request, exc) -> str:
    phone = request.tenant.portal_settings.office_phone
    office = _("contact the utility office at %(phone)s") % {"phone": phone} if phone else _("contact the utility office")
    if isinstance(exc, linking.TooManyAttempts):
        return _("Too many tries. Please try again later or %(office)s.") % {"office": office}
    if isinstance(exc, linking.OfficeUnavailable):
        return _("We can't reach the city's billing system right now. Please try again in a few minutes.")
    return _("We couldn't find an account with that customer number and last name or amount. "
             "Check your latest bill and try again, or %(office)s.") % {"office": office}


@login_required
@require_http_methods(["GET", "POST"])
def unlink(request, link_id: int):
    """Ask, then remove the user's own link to one account."""
    link = request.tenant.linked_accounts.filter(user=request.user, pk=link_id).first()
    if link is None:
        raise Http404
    if request.method == "POST":
        linking.unlink_account(link=link, acting_user=request.user)
        messages.success(request, _("Account %(number)s is no longer linked.") % {"number": link.customer_number})
        return redirect("billing:home")
    return render(request, "customers/unlink.html", {"link": link})
