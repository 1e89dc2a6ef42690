from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.access import office_admin_required

from . import selectors


@office_admin_required
@require_GET
def overview(request):
    """The office's view of its portal: members, linked accounts, recent sign-ups."""
    return render(request, "adminpanel/overview.html", selectors.portal_overview(tenant=request.tenant))
