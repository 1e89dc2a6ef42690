"""Portal members: every customer of the city, linked accounts or not, to answer "I signed up but see nothing"."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from . import member_selectors as selectors
from .list_screens import ListScreen, export_view, page_view
from .member_filters import PortalMemberFilter

PORTAL_MEMBERS = ListScreen(PortalMemberFilter, selectors.customer_members, selectors.member_row,
                            "adminpanel/portal_members.html", "portal-members", gettext_lazy("Portal members"),
                            selectors.member_columns)
portal_members = page_view(PORTAL_MEMBERS, "Portal members: the city's customers, newest first, 50 a page, with "
                                           "what each has linked and set up.")
portal_members_export = export_view(PORTAL_MEMBERS, "Export to Excel: exactly the members the filters select, "
                                                    "every page.")
