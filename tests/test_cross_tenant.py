"""Every URL that takes an object id answers 404 to people of another city (and other people).

New views with an id in their URL must register here how to make one of their objects:
the first test fails until they do.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from customers.models import LinkedAccount

from .factories import PaymentFactory


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}", p


def object_url_names() -> set[str]:
    names = set()
    for route, name, pattern in walk(get_resolver("portal.urls").url_patterns):
        module = getattr(pattern.callback, "__module__", "")
        if pattern.pattern.converters and not module.startswith("allauth"):
            names.add(name)
    return names


def make_linked_account(city):
    link = LinkedAccount.objects.create(tenant=city.tenant, user=city.resident, account_key="1000100",
                                        customer_number="001-0001-00")
    return {"link_id": link.id}


def make_account_with_history(city):
    """An account the resident may see, with a fresh local history (no COWS needed to show it)."""
    from datetime import date
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from billing.accounts.models import AccountSnapshot, Bill, HistoryEntry, HistoryLine, HistorySync
    from portal.storage import private_storage

    key = "2000200"
    LinkedAccount.objects.get_or_create(tenant=city.tenant, user=city.resident, account_key=key,
                                        defaults={"customer_number": "002-0002-00"})
    AccountSnapshot.objects.get_or_create(tenant=city.tenant, account_key=key, defaults={"data": {
        "customer_number": "002-0002-00", "last_name": "Rivera", "balance_due": "10.00"}})
    HistorySync.objects.get_or_create(tenant=city.tenant, account_key=key, defaults={"synced_at": timezone.now()})
    Bill.objects.get_or_create(tenant=city.tenant, account_key=key, bill_id="B-1", defaults=dict(
        period_id=1, period_label="2026-10", bill_date=date(2026, 10, 31), due_date=date(2026, 11, 18),
        previous_balance=0, payments=0, adjustments=0, current_charges=Decimal("10"), penalties=0,
        total_due=Decimal("10"), pdf_available=True))
    HistoryEntry.objects.get_or_create(tenant=city.tenant, account_key=key, group_id="B-1", defaults=dict(
        date=date(2026, 10, 31), kind="Billing", description="Utility bill 2026-10", amount=Decimal("10"),
        bill_id="B-1"))
    HistoryLine.objects.get_or_create(tenant=city.tenant, account_key=key, line_id="B-1-0", defaults=dict(
        group_id="B-1", date=date(2026, 10, 31), service="WATER", description="Import Readings",
        amount=Decimal("10"), usage=Decimal("5"), kind="Billing"))
    path = f"billpdfs/{city.tenant.id}/{key}/B-1.pdf"
    if not private_storage().exists(path):  # the cached copy, where billing/accounts/pdfs.py keeps it
        private_storage().save(path, ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return {"account_key": key}


def make_history_entry(city):
    return {**make_account_with_history(city), "group_id": "B-1"}


def make_bill(city):
    return {**make_account_with_history(city), "bill_id": "B-1"}


def make_communication(city):
    from communications.services import post_communication

    communication = post_communication(tenant=city.tenant, pdf_bytes=b"%PDF-1.4\n%%EOF\n", filename="rates.pdf",
                                       description="2026 Water Rates", acting_user=city.clerk)
    return {"communication_id": communication.id}


def make_outbound_email(city):
    from communications.outbox import queue_email
    from communications.outbox.models import OutboundEmail

    queue_email(tenant=city.tenant, kind="office_notice", to=[city.resident.email], subject="Water main work",
                text="Elm Street is closed on Monday.")
    return {"email_id": OutboundEmail.objects.filter(tenant=city.tenant).latest("id").id}


def make_payment(city):
    from billing.payments.models import Payment

    payment = PaymentFactory(city=city, state=Payment.State.CREATED, amount="10.00", items=1)
    return {"reference": payment.reference}


def make_wallet_method(city):
    from billing.payments.models import PaymentMethod

    method = PaymentMethod.objects.create(tenant=city.tenant, user=city.resident, provider="sandbox", token="tok_w",
                                          kind="card", brand="Visa", last4="4242", exp_month=12, exp_year=2030)
    return {"method_id": method.id}


def make_cart_item(city):
    from decimal import Decimal

    from billing.payments.models import CartItem

    item = CartItem.objects.create(tenant=city.tenant, user=city.resident, kind="misc", category="PR",
                                   category_name="Parks", distribution="PAV", distribution_name="Pavilion rental",
                                   payor="Rosa", amount=Decimal("25.00"))
    return {"item_id": item.id}


def make_late_success(city):
    """A failed payment whose money came in late: the office's post-it / refund-it rows."""
    from django.utils import timezone

    from billing.payments.models import Payment

    payment = PaymentFactory(city=city, state=Payment.State.FAILED, items=1, late_success_at=timezone.now(),
                             late_success_payment_id="ch_late")
    return {"reference": payment.reference}


def make_autopay_account(city):
    """AutoPay on for the resident's account, with a saved card (made directly: no COWS needed to show it)."""
    from autopay.models import Enrollment
    from billing.payments.models import PaymentMethod

    kwargs = make_account_with_history(city)
    method = PaymentMethod.objects.create(tenant=city.tenant, user=city.resident, provider="sandbox", token="tok_ap",
                                          kind="card", brand="Visa", last4="4242", exp_month=12, exp_year=2030)
    Enrollment.objects.get_or_create(tenant=city.tenant, account_key=kwargs["account_key"], ended_at=None, defaults=dict(
        user=city.resident, customer_number="002-0002-00", method=method, days_before_due=3))
    return kwargs


def make_autopay_invitation(city):
    """The office's AutoPay invitation to the resident, for an account they have linked."""
    from datetime import timedelta

    from django.utils import timezone

    from autopay.models import Invitation

    key = make_account_with_history(city)["account_key"]
    invitation = Invitation.objects.create(tenant=city.tenant, account_key=key, customer_number="002-0002-00",
                                           email=city.resident.email, token="invitation-token-1", days_before_due=3,
                                           invited_by=city.clerk, expires_at=timezone.now() + timedelta(days=14))
    return {"token": invitation.token}


def make_autopay_enrollment(city):
    """A live AutoPay enrollment of the city's resident (rows made directly: no billing system is needed to end it)."""
    from autopay.models import Enrollment
    from billing.payments.models import PaymentMethod

    method = PaymentMethod.objects.create(tenant=city.tenant, user=city.resident, provider="sandbox", token="tok_ap",
                                          kind="card", brand="Visa", last4="4242", exp_month=12, exp_year=2030)
    enrollment = Enrollment.objects.create(tenant=city.tenant, user=city.resident, account_key="3000300",
                                           customer_number="003-0003-00", method=method, days_before_due=3)
    return {"enrollment_id": enrollment.id}


def make_landlord_link(city):
    """The office linked the resident to a landlord of Caselle (made directly: no COWS needed to remove it)."""
    from customers.models import LandlordLink

    link = LandlordLink.objects.create(tenant=city.tenant, user=city.resident, landlord_id=7,
                                       landlord_name="Acme Rentals", landlord_kind="landlord", account_count=3,
                                       linked_by=city.clerk)
    return {"link_id": link.id}


def make_portal_user(city):
    return {"user_id": city.resident.id}


def make_failed_attempt(city):
    """The resident's failed try at linking an account (what the office's Failed link attempts screen lists)."""
    from customers.models import LinkAttempt

    attempt = LinkAttempt.objects.create(tenant=city.tenant, user=city.resident, outcome=LinkAttempt.Outcome.FAILED,
                                         customer_number="001-0001-00", account_key="1000100", factor="last_name",
                                         tried_last_name="Smyth", reason="name_mismatch", caselle_last_name="Smith")
    return {"attempt_id": attempt.id}


def _staff_invitation(city):
    """The office's invitation for the city's resident to become an office admin (and its link's token)."""
    from datetime import timedelta

    from django.utils import timezone

    from customers.models import StaffInvitation
    from customers.staff import token_hash

    token = f"staff-token-{city.tenant.slug}"
    invitation = StaffInvitation.objects.create(tenant=city.tenant, email=city.resident.email,
                                                token_hash=token_hash(token), invited_by=city.clerk,
                                                expires_at=timezone.now() + timedelta(days=7))
    return invitation, token


def make_staff_invitation(city):
    return {"token": _staff_invitation(city)[1]}


def make_staff_invitation_id(city):
    return {"invitation_id": _staff_invitation(city)[0].id}


def make_second_admin(city):
    """Another office admin of the city (so removing one never meets the last-admin rule)."""
    from customers.models import Membership

    from .factories import UserFactory

    other = UserFactory(email=f"second.admin@{city.tenant.slug}.example")
    membership = Membership.objects.create(tenant=city.tenant, user=other, role=Membership.Role.OFFICE_ADMIN)
    return {"membership_id": membership.id}


def make_unsubscribe_link(city):
    """The one-click unsubscribe link of the resident's newsletters (its signed token names the city)."""
    from customers.notifications import Category, read_unsubscribe_token, unsubscribe_url

    token = unsubscribe_url(tenant=city.tenant, address=city.resident.email, category=Category.NEWSLETTERS)
    token = token.rstrip("/").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token).tenant_id == city.tenant.id
    return {"token": token}


def make_campaign(city):
    from communications.campaigns.models import Campaign

    campaign = Campaign.objects.create(tenant=city.tenant, subject="Water news", body="<p>Hello</p>",
                                       created_by=city.clerk)
    return {"campaign_id": campaign.id}


def make_sent_campaign(city):
    from communications.campaigns.models import Campaign

    campaign = Campaign.objects.create(tenant=city.tenant, subject="Water news", body="<p>Hello</p>",
                                       created_by=city.clerk, state=Campaign.State.QUEUING, chain="x")
    return {"campaign_id": campaign.id}


def make_bill_email_run(city):
    from communications.bill_emails.models import BillEmailRun

    return {"run_id": BillEmailRun.objects.create(tenant=city.tenant, period_id=11, period_label="2026-11").id}


# url name -> (how to make one object the city's resident may open (returns the URL kwargs), the method)
OBJECT_URLS = {
    "linking:unlink": (make_linked_account, "GET"),
    "billing:account_history": (make_account_with_history, "GET"),
    "billing:history_entry": (make_history_entry, "GET"),
    "billing:bill_pdf": (make_bill, "GET"),
    "billing:account_graphs": (make_account_with_history, "GET"),
    "billing:paperless": (make_account_with_history, "POST"),
    "communications:pdf": (make_communication, "GET"),
    "pay:account": (make_account_with_history, "GET"),
    "pay:confirm": (make_payment, "GET"),
    "pay:result": (make_payment, "GET"),
    "pay:wallet_delete": (make_wallet_method, "POST"),
    "pay:cart_remove": (make_cart_item, "POST"),
    "autopay:manage": (make_autopay_account, "GET"),
    "autopay:unenroll": (make_autopay_account, "POST"),
    "autopay:enroll": (make_account_with_history, "GET"),
    "autopay:method": (make_account_with_history, "GET"),
    "autopay:authorize": (make_account_with_history, "GET"),
    "autopay:invitation": (make_autopay_invitation, "GET"),
    "adminpanel:payment_detail": (make_payment, "GET"),
    "adminpanel:post_late": (make_late_success, "POST"),
    "adminpanel:refund_late": (make_late_success, "POST"),
    "adminpanel:autopay_unenroll": (make_autopay_enrollment, "POST"),
    "adminpanel:landlord_unlink": (make_landlord_link, "POST"),
    "adminpanel:portal_user_unlink": (make_linked_account, "POST"),
    "adminpanel:view_as": (make_portal_user, "POST"),
    "adminpanel:link_for_them": (make_failed_attempt, "GET"),
    "adminpanel:communication_edit": (make_communication, "GET"),
    "adminpanel:communication_delete": (make_communication, "POST"),
    "adminpanel:communication_pdf": (make_communication, "GET"),
    "adminpanel:communication_email_draft": (make_communication, "POST"),
    "adminpanel:staff_remove": (make_second_admin, "POST"),  # the clerk is first asked to confirm it is them
    "adminpanel:staff_invite_cancel": (make_staff_invitation_id, "POST"),
    "adminpanel:staff_accept": (make_staff_invitation, "GET"),  # the invited resident's; anyone else's 404
    "unsubscribe": (make_unsubscribe_link, "GET"),
    "adminpanel:campaign_detail": (make_campaign, "GET"),
    "adminpanel:campaign_edit": (make_campaign, "GET"),
    "adminpanel:campaign_send": (make_campaign, "GET"),
    "adminpanel:campaign_cancel": (make_sent_campaign, "POST"),
    "adminpanel:campaign_delete": (make_campaign, "POST"),
    "adminpanel:bill_emails_send_again": (make_bill_email_run, "POST"),
    "adminpanel:email_message": (make_outbound_email, "GET"),
}

# Office screens: their owner is the city's clerk, and the city's residents get 404 like strangers.
OFFICE = {"adminpanel:payment_detail", "adminpanel:post_late", "adminpanel:refund_late",
          "adminpanel:autopay_unenroll", "adminpanel:landlord_unlink", "adminpanel:portal_user_unlink",
          "adminpanel:view_as", "adminpanel:link_for_them",
          "adminpanel:communication_edit", "adminpanel:communication_delete",
          "adminpanel:communication_pdf", "adminpanel:communication_email_draft",
          "adminpanel:staff_remove", "adminpanel:staff_invite_cancel",
          "adminpanel:campaign_detail", "adminpanel:campaign_edit", "adminpanel:campaign_send",
          "adminpanel:campaign_cancel", "adminpanel:campaign_delete", "adminpanel:bill_emails_send_again",
          "adminpanel:email_message"}

# Objects the office posts for everyone in the city: other cities still get 404, while other
# people of the same city may see them.
# The unsubscribe link is the same: its signed token, not the person, is the authority (no sign-in needed).
CITY_WIDE = {"communications:pdf", "unsubscribe"}


def make_email_kind(city):
    return {"kind": "payment_receipt"}


# Office pages whose argument names an entry of a fixed list every city has (a kind of email), not an
# object: another city's clerk rightly opens their own city's page on their own host, so these are
# checked on this city's host, where everyone but its office admins gets 404.
def make_email_event_kind(city):
    return {"kind": "payment_due"}


NAMED = {"adminpanel:email_edit": (make_email_kind, "GET"),
         "adminpanel:email_event_edit": (make_email_event_kind, "GET")}


def test_every_object_url_is_covered_here():
    assert object_url_names() == set(OBJECT_URLS) | set(NAMED), "register new object URLs in OBJECT_URLS"


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_other_city_and_other_people_get_404(name, riverton, lakeside, larry, client_for):
    from django.urls import reverse

    maker, method = OBJECT_URLS[name]
    kwargs = maker(riverton)
    url = reverse(name, kwargs=kwargs, urlconf="portal.urls")
    owner = client_for(riverton.clerk if name in OFFICE else riverton.resident, riverton.tenant)
    ok = 200 if method == "GET" else 302

    def call(client):
        return client.get(url) if method == "GET" else client.post(url)

    # Lakeside's people always; Rosa for an office screen; Larry unless every customer of the city may see it.
    people = [(lakeside.resident, lakeside.tenant, True), (lakeside.clerk, lakeside.tenant, True),
              (riverton.resident, riverton.tenant, name in OFFICE), (larry, riverton.tenant, name not in CITY_WIDE)]
    others = [client_for(user, tenant) for user, tenant, outsider in people if outsider]
    for client in others:
        assert call(client).status_code == 404
        # The other method is refused too, without a trace of the object.
        assert (client.post(url) if method == "GET" else client.get(url)).status_code in (404, 405)
    assert call(owner).status_code == ok  # the others changed nothing: it is all still there for the owner


@pytest.mark.parametrize("name", sorted(CITY_WIDE))
def test_city_wide_objects_are_open_to_every_customer_of_the_city(name, riverton, larry, client_for):
    from django.urls import reverse

    maker, _ = OBJECT_URLS[name]
    url = reverse(name, kwargs=maker(riverton), urlconf="portal.urls")
    assert client_for(larry, riverton.tenant).get(url).status_code == 200


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_office_pages_are_404_to_everyone_but_the_city_s_office(name, riverton, lakeside, larry, client_for):
    from django.urls import reverse

    maker, method = NAMED[name]
    url = reverse(name, kwargs=maker(riverton), urlconf="portal.urls")
    for user in (riverton.resident, larry, lakeside.clerk, lakeside.resident):
        client = client_for(user, riverton.tenant)
        assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    assert client_for(riverton.clerk, riverton.tenant).get(url).status_code == 200
