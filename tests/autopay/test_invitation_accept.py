"""The office's AutoPay invitation, accepted by the person it was sent to: their method, their authorization."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from autopay.models import Enrollment, Invitation
from tests.autopay.conftest import summary
from tests.billing.payhelpers import card_token
from tests.conftest import link_sample

from .pages import authorize, body, choices_in, choose, nothing_stored

TOKEN = "an-invitation-token-from-the-email"


def invitation_url(token=TOKEN) -> str:
    return f"/utility/autopay/invitations/{token}/"


def invite(city, key, *, email=None, days=4, maximum="120.00", **fields) -> Invitation:
    s = summary(city, key)
    return Invitation.objects.create(
        tenant=city.tenant, account_key=key, customer_number=s.customer_number, email=email or city.resident.email,
        token=TOKEN, days_before_due=days, max_amount=Decimal(maximum) if maximum else None, invited_by=city.clerk,
        expires_at=fields.pop("expires_at", timezone.now() + timedelta(days=14)), **fields)


def test_the_invited_person_chooses_a_method_and_accepts_and_the_clerk_is_recorded(riverton, rosa_key, client_for):
    invitation = invite(riverton, rosa_key)
    client = client_for(riverton.resident, riverton.tenant)
    landing = client.get(invitation_url())
    assert landing.status_code == 200
    page = body(landing)
    assert "4 days before the due date, up to $120.00" in page and "Choose the payment method" in page
    step2 = client.get(landing.context["next_url"])
    assert step2.status_code == 200 and "Change the schedule" not in body(step2)
    choices = parse_qs(urlsplit(landing.context["next_url"]).query)["choices"][0]
    picked = choose(client, rosa_key, choices, method="new-card", token=card_token(client))
    assert picked.status_code == 302
    assert authorize(client, rosa_key, choices_in(picked)).status_code == 302
    enrollment = Enrollment.objects.get()
    assert (enrollment.user, enrollment.enrolled_by) == (riverton.resident, riverton.clerk)
    assert (enrollment.days_before_due, enrollment.max_amount) == (4, Decimal("120.00"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.enrollment == enrollment
    assert client.get(invitation_url()).status_code == 404  # used up


def test_an_unknown_expired_or_used_invitation_is_a_404(riverton, rosa_key, client_for):
    client = client_for(riverton.resident, riverton.tenant)
    assert client.get(invitation_url("no-such-token")).status_code == 404
    invitation = invite(riverton, rosa_key, expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(invitation_url()).status_code == 404
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(days=1),
                                                       accepted_at=timezone.now())
    assert client.get(invitation_url()).status_code == 404


def test_someone_signed_in_with_another_address_is_told_clearly_and_nothing_happens(riverton, office, rosa_key, larry,
                                                                                  client_for):
    link_sample(office, riverton, 0, user=larry)
    invite(riverton, rosa_key)
    response = client_for(larry, riverton.tenant).get(invitation_url())
    assert response.status_code == 404
    assert "This invitation was sent to another email address." in body(response)
    assert riverton.resident.email not in body(response)
    assert nothing_stored()


def test_an_invitation_for_an_account_not_linked_yet_sends_the_person_to_link_it_and_back(riverton, office,
                                                                                       client_for):
    s = office.samples("autopay-office")[0]
    key = s["customer_number"].replace("-", "")
    invite(riverton, key)
    client = client_for(riverton.resident, riverton.tenant)
    response = client.get(invitation_url(), follow=True)
    assert response.redirect_chain[-1][0] == f"/utility/link/?next=%2Futility%2Fautopay%2Finvitations%2F{TOKEN}%2F"
    assert f"First link account {s['customer_number']} to your profile" in body(response)
    assert f'name="next" value="{invitation_url()}"' in response.content.decode()
    linked = client.post("/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"],
                                            "next": invitation_url()})
    assert linked.status_code == 302 and linked.headers["Location"] == invitation_url()
    assert client.get(invitation_url()).status_code == 200


def test_the_link_page_goes_back_only_to_a_page_of_this_city(riverton, office, client_for):
    s = office.samples("autopay-office")[0]
    client = client_for(riverton.resident, riverton.tenant)
    linked = client.post("/utility/link/", {"customer_number": s["customer_number"], "last_name": s["last_name"],
                                            "next": "https://evil.example/steal"})
    assert linked.headers["Location"] == "/utility/"


def test_the_invitation_page_rejects_a_post(riverton, rosa_key, client_for):
    invite(riverton, rosa_key)
    assert client_for(riverton.resident, riverton.tenant).post(invitation_url()).status_code == 405


def test_another_citys_resident_gets_a_404(riverton, lakeside, rosa_key, client_for):
    invite(riverton, rosa_key, email=lakeside.resident.email)
    assert client_for(lakeside.resident, lakeside.tenant).get(invitation_url()).status_code == 404
