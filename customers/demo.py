"""The demo city's people screens: a landlord who sees several accounts, and failed link attempts (safe to run again).

- landlord@demo.example is linked by the demo clerk to the simulator's landlord with the most accounts;
- the demo resident once typed a wrong last name, and the landlord a customer number Caselle does not
  have: the office's Failed link attempts screen shows both, with why and Caselle's last name.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress

from portal.models import Tenant

from . import landlords, linking
from .models import User
from .services import ensure_membership

DEMO_LANDLORD = "landlord@demo.example"


def seed_people_demo(*, tenant: Tenant, password: str, clerk: User, resident: User) -> list[str]:
    """Make the demo landlord and its link, and two failed link attempts (once); returns lines to print."""
    lines = []
    landlord_user = User.objects.filter(email=DEMO_LANDLORD).first() or User.objects.create_user(
        email=DEMO_LANDLORD, password=password, first_name="Lee", last_name="Landlord")
    EmailAddress.objects.update_or_create(user=landlord_user, email=DEMO_LANDLORD,
                                          defaults={"verified": True, "primary": True})
    ensure_membership(tenant=tenant, user=landlord_user)
    try:
        found = [p for p in landlords.search_landlords(tenant=tenant, query="") if p.kind == "landlord"]
    except landlords.LandlordError as exc:
        return [f"Landlord demo skipped: {exc.message}"]
    if not found:
        return ["Landlord demo skipped: the demo office has no landlord"]
    party = max(found, key=lambda p: len(p.customer_numbers))
    if not tenant.landlord_links.filter(user=landlord_user).exists():
        try:
            link = landlords.link_landlord(tenant=tenant, email=DEMO_LANDLORD, landlord_id=party.id,
                                           acting_user=clerk)
        except landlords.LandlordError as exc:
            lines.append(f"Landlord demo: {exc.message}")
        else:
            lines.append(f"    {DEMO_LANDLORD:<28} sees the {link.account_count} accounts of {link.landlord_name}")
    if not tenant.link_attempts.filter(outcome="failed").exists():
        tries = [(landlord_user, "999-9999-99", "Landlord")]
        linked = set(resident.linked_accounts.filter(tenant=tenant).values_list("customer_number", flat=True))
        other = next((n for n in party.customer_numbers if n not in linked), None)
        if other is not None:
            tries.append((resident, other, "Residant"))  # a misspelt last name
        for user, number, last_name in tries:
            try:
                linking.link_account(tenant=tenant, user=user, customer_number=number, last_name=last_name)
            except linking.LinkError:
                pass
        lines.append(f"    {len(tries)} failed link attempts, on the office's Failed link attempts screen")
    return lines
