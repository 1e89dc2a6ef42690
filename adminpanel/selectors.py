from __future__ import annotations

from customers.models import Membership
from portal.models import Tenant


def portal_overview(*, tenant: Tenant) -> dict:
    """Counts and the latest sign-ups of one city; nothing of other cities."""
    memberships = tenant.memberships
    overview = {
        "member_count": memberships.filter(role=Membership.Role.CUSTOMER).count(),
        "admin_count": memberships.filter(role=Membership.Role.OFFICE_ADMIN).count(),
        "recent_signups": list(memberships.select_related("user").order_by("-created_at")[:10]),
        "linked_account_count": None,
    }
    linked = getattr(tenant, "linked_accounts", None)
    if linked is not None:
        overview["linked_account_count"] = linked.count()
    return overview
