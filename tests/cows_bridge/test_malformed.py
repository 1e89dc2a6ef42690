"""Every typed function of the bridge, driven through a simulator answering 200 with a spoiled body."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core import mail

from cows_bridge import client
from cows_bridge.errors import CowsBadResponse, CowsError
from cows_bridge.models import CowsLink
from caselle_sim.faults import VARIANTS

from ..factories import TenantFactory

SLUG = "bridge-malformed"


def connect(sim, tenant):
    """The city talks to an office of these tests' own (they post receipts and change paperless)."""
    if SLUG not in sim.offices:
        sim.generate(SLUG, name=tenant.name, api_key=f"{SLUG}-key", customers=20, seed=81)
    tenant.cows_url = sim.office_url(SLUG)
    tenant.cows_api_key = f"{SLUG}-key"
    tenant.save()
    from cows_bridge import health

    health._last_success_write.clear()
    return tenant


@pytest.fixture
def office(sim, db):
    return connect(sim, TenantFactory(slug="bridgeton", name="City of Bridgeton"))


_FACTS: dict[str, dict] = {}


def _facts(sim, tenant) -> dict:
    """What the calls need to ask for, read once while the office still answers properly."""
    if sim.url not in _FACTS:
        _FACTS[sim.url] = _read_facts(sim, tenant)
    return _FACTS[sim.url]


def _read_facts(sim, tenant) -> dict:
    number = sim.samples(SLUG)[0]["customer_number"]
    bill = client.get_bills(tenant, number)[0]
    category = next(c for c in client.get_categories(tenant) if c.interfaced and c.portal_distributions)
    landlord = client.search_landlords(tenant, "")[0]
    reference = f"malformed-{uuid.uuid4().hex[:10]}"
    client.post_receipt(tenant, {"reference": reference, "kind": "utility", "customer_number": number,
                                 "amount": "1.00", "method": "card"})
    return {"number": number, "bill_id": bill.bill_id, "category": category.code,
            "distribution": category.portal_distributions[0].code, "landlord": landlord.id, "reference": reference}


CALLS = {
    "get_status": lambda t, x: client.get_status(t),
    "get_account": lambda t, x: client.get_account(t, x["number"]),
    "get_accounts": lambda t, x: client.get_accounts(t, [x["number"]]),
    "get_landlord": lambda t, x: client.get_landlord(t, x["landlord"]),
    "search_landlords": lambda t, x: client.search_landlords(t, ""),
    "get_bills": lambda t, x: client.get_bills(t, x["number"]),
    "get_transactions": lambda t, x: client.get_transactions(t, x["number"]),
    "get_usage": lambda t, x: client.get_usage(t, x["number"]),
    "get_bill_pdf": lambda t, x: client.get_bill_pdf(t, x["number"], x["bill_id"]),
    "get_periods": lambda t, x: client.get_periods(t),
    "get_categories": lambda t, x: client.get_categories(t),
    "validate_reference": lambda t, x: client.validate_reference(
        t, category=x["category"], distribution=x["distribution"], reference=x["number"]),
    "get_receipt": lambda t, x: client.get_receipt(t, x["reference"]),
    "set_paperless": lambda t, x: client.set_paperless(t, x["number"], paperless=False),
    "post_receipt": lambda t, x: client.post_receipt(t, {
        "reference": f"malformed-{uuid.uuid4().hex[:10]}", "kind": "utility", "customer_number": x["number"],
        "amount": "1.00", "method": "card"}),
}


def test_every_typed_function_of_the_client_is_covered():
    typed = {name for name, value in vars(client).items() if callable(value) and not name.startswith("_")
             and getattr(value, "__module__", "") == client.__name__ and name != "probe"}
    assert typed == set(CALLS)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_malformed_answer_raises_bad_response(sim, office, call, variant):
    facts = _facts(sim, office)
    sim.set_fault(operation="*", mode="malformed", variant=variant, office=SLUG)
    with pytest.raises(CowsBadResponse):
        CALLS[call](office, facts)


def test_bad_response_is_a_bridge_error_callers_already_handle():
    assert issubclass(CowsBadResponse, CowsError)


def test_a_field_left_out_of_a_summary_is_caught_by_name(sim, office):
    number = sim.samples(SLUG)[0]["customer_number"]
    sim.set_fault(operation="account_summary", mode="malformed", variant="missing_field", field="balance_due")
    with pytest.raises(CowsBadResponse, match="balance_due"):
        client.get_account(office, number)


def test_an_answer_about_another_account_is_not_trusted(sim, office):
    first, second = (s["customer_number"] for s in sim.samples(SLUG)[:2])
    assert client.get_account(office, second).customer_number == second
    # A summary without its customer number cannot be matched to the account asked for.
    sim.set_fault(operation="bills", mode="malformed", variant="missing_field", field="customer_number")
    with pytest.raises(CowsBadResponse, match="customer_number"):
        client.get_bills(office, first)


def test_a_receipt_posted_under_a_spoiled_answer_is_found_by_its_reference(sim, office):
    number = sim.samples(SLUG)[1]["customer_number"]
    reference = f"spoiled-{uuid.uuid4().hex[:10]}"
    sim.set_fault(operation="post_receipt", mode="malformed", variant="truncated", times=1, office=SLUG)
    receipt = client.post_receipt(office, {"reference": reference, "kind": "utility", "customer_number": number,
                                           "amount": "2.50", "method": "card"})
    assert receipt.reference == reference and receipt.amount == Decimal("2.50")
    listed = sim.get(f"/receipts/{reference}", office=SLUG).json()
    assert listed["confirmation_number"] == receipt.confirmation_number


def test_malformed_answers_take_the_link_down_and_tell_the_office_once(sim, riverton):
    office = connect(sim, riverton.tenant)
    mail.outbox.clear()
    sim.set_fault(operation="status", mode="malformed", variant="wrong_shape", office=SLUG)
    assert client.probe(office) is False
    assert CowsLink.objects.get(tenant=office).is_down is False  # one odd answer is not an outage
    assert client.probe(office) is False
    link = CowsLink.objects.get(tenant=office)
    assert link.is_down is True and "unusable" in link.last_error
    alerts = [m for m in mail.outbox if "COWS is not running" in m.subject]
    assert [m.to for m in alerts] == [[riverton.clerk.email]]
    sim.clear_faults()
    assert client.probe(office) is True
    assert CowsLink.objects.get(tenant=office).is_down is False
