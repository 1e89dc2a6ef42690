"""Landlord Management: find Caselle's landlords and cosigners, link one to a portal user, remove a link."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from customers import landlords
from portal.access import office_admin_required

from . import audit
from . import people_selectors as selectors
from .listing import list_page
from .people_filters import LandlordLinkFilter
from .people_forms import LandlordLinkForm, LandlordSearchForm


def _landlord_row(landlord) -> dict:
    return {"id": landlord.id, "name": landlord.name, "kind": selectors.kind_label(landlord.kind),
            "accounts": list(landlord.customer_numbers)}


@office_admin_required
@never_cache
@require_GET
def landlords_page(request):
    """Landlord Management: search Caselle (name or id), and the city's current links."""
    search = LandlordSearchForm(request.GET if "find" in request.GET else None)
    results = None
    if search.is_bound and search.is_valid():
        try:
            found = landlords.search_landlords(tenant=request.tenant, query=search.cleaned_data["find"])
        except landlords.LandlordError as refused:
            search.add_error("find", refused.message)
        else:
            results = [_landlord_row(landlord) for landlord in found]
    listing = list_page(request, LandlordLinkFilter, selectors.landlord_links(tenant=request.tenant))
    return render(request, "adminpanel/landlords.html", {
        "search": search, "results": results, "form": listing.form, "page": listing.page,
        "rows": selectors.landlord_rows(listing.page.object_list, tenant=request.tenant)},
        status=400 if search.errors else 200)


def _landlord_or_404(request, landlord_id):
    """The landlord from Caselle; a wrong id is a 404, Caselle down is said on the page (None)."""
    try:
        return landlords.get_landlord(tenant=request.tenant, landlord_id=int(landlord_id)), None
    except (TypeError, ValueError, landlords.NoSuchLandlord):
        raise Http404 from None
    except landlords.LandlordError as refused:
        return None, refused.message


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def landlord_link(request):
    """Link a portal user (by email) to one landlord or cosigner: GET shows the party, POST links."""
    data = request.POST if request.method == "POST" else None
    form = LandlordLinkForm(data, initial={"landlord": request.GET.get("landlord")})
    landlord_id = request.POST.get("landlord") if data is not None else request.GET.get("landlord")
    if data is not None and form.is_valid():
        try:
            link = landlords.link_landlord(tenant=request.tenant, email=form.cleaned_data["email"],
                                           landlord_id=form.cleaned_data["landlord"], acting_user=request.user)
        except landlords.NoSuchLandlord:
            raise Http404 from None
        except landlords.LandlordError as refused:
            form.add_error(refused.field, refused.message)
        else:
            audit.record(request, "landlord.link", _("Linked %(email)s to %(kind)s %(name)s (%(count)d accounts)") % {
                "email": link.user.email, "kind": selectors.kind_label(link.landlord_kind).lower(),
                "name": link.landlord_name, "count": link.account_count},
                target=_("landlord %(id)s") % {"id": link.landlord_id})
            messages.success(request, _("%(email)s now sees every account of %(name)s.") % {
                "email": link.user.email, "name": link.landlord_name})
            return redirect("adminpanel:landlords")
    landlord, unavailable = _landlord_or_404(request, landlord_id)
    context = {"form": form, "landlord": _landlord_row(landlord) if landlord else None, "unavailable": unavailable}
    return render(request, "adminpanel/landlords_link.html", context, status=400 if form.errors else 200)


@office_admin_required
@never_cache
@require_http_methods(["GET", "POST"])
def landlord_unlink(request, link_id: int):
    """Remove a landlord link after a confirmation: the person no longer sees that party's accounts."""
    link = selectors.access_landlord_link(tenant=request.tenant, link_id=link_id)
    row = selectors.landlord_rows([link], tenant=request.tenant)[0]
    if request.method == "POST":
        landlords.unlink_landlord(link=link, acting_user=request.user)
        audit.record(request, "landlord.unlink", _("Removed the link of %(email)s to %(name)s") % {
            "email": row["email"], "name": row["landlord_name"]},
            target=_("landlord %(id)s") % {"id": row["landlord_id"]})
        messages.success(request, _("%(email)s no longer sees the accounts of %(name)s.") % {
            "email": row["email"], "name": row["landlord_name"]})
        return redirect("adminpanel:landlords")
    return render(request, "adminpanel/landlords_unlink.html", {"row": row})
