"""Portal members: every customer of the city, linked accounts or not, to answer "I signed up but see nothing"."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.access import office_admin_required

from . import member_selectors as selectors
from .listing import export, list_page
from .member_filters import PortalMemberFilter


@office_admin_required
@never_cache
@require_GET
def portal_members(request):
    """Portal members: the city's customers, newest first, 50 a page, with what each has linked and set up."""
    listing = list_page(request, PortalMemberFilter, selectors.customer_members(tenant=request.tenant))
    zone = request.tenant.zone
    return render(request, "adminpanel/portal_members.html", {
        "form": listing.form, "page": listing.page,
        "rows": [selectors.member_row(member, zone) for member in listing.page.object_list]})


@office_admin_required
@require_GET
def portal_members_export(request):
    """Export to Excel: exactly the members the filters select, every page."""
    zone = request.tenant.zone
    return export(request, PortalMemberFilter, selectors.customer_members(tenant=request.tenant),
                  name="portal-members", title=_("Portal members"), columns=selectors.member_columns(),
                  row=lambda member: selectors.member_row(member, zone))
