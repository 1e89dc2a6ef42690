"""Enroll Customer: the office invites a person to turn AutoPay on (it never types their card); bad input is
explained and stores nothing."""

import html

import pytest
from django.core import mail

from autopay.models import Invitation
from autopay.tasks import send_invitation

from ..conftest import link_sample
from .audit_helpers import audit_rows
from .autopay_helpers import enroll, saved_method

ENROLL = "/office/autopay/customers/enroll/"
OFFICE = "ap-enroll"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def rosas(own_office, riverton):
    """Rosa's linked account in an office of this test's own: (simulator, customer number as Caselle writes it)."""
    sim = own_office(riverton, OFFICE, customers=40, seed=71)
    link_sample(sim, riverton, 0)
    return sim, sim.samples(OFFICE)[0]["customer_number"]


def test_finding_the_account_offers_the_people_linked_to_it_and_an_email_address(riverton, rosas, client_for):
    _sim, number = rosas
    response = client_for(riverton.clerk, riverton.tenant).get(ENROLL, {"customer_number": number.replace("-", "")})
    body = text(response)
    assert response.status_code == 200
    assert f"2. The invitation for account {number}" in body
    assert "Rosa" in body and "&lt;rosa@example.org&gt;" in response.content.decode()
    assert "Another email address" in body and "never types a customer's card" in body
    assert not Invitation.objects.exists()


def test_enroll_by_email_sends_an_invitation_with_its_link(riverton, rosas, client_for, eager_tasks,
                                                           django_capture_on_commit_callbacks):
    _sim, number = rosas
    clerk = client_for(riverton.clerk, riverton.tenant)
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(ENROLL, {"customer_number": number, "recipient": "email",
                                       "email": "Pat.Owner@Example.org", "days_before_due": "4",
                                       "max_amount": "200.00"}, follow=True)
    body = text(response)
    assert f"An AutoPay invitation for account {number} was sent to pat.owner@example.org." in body
    invitation = Invitation.objects.get()
    assert (invitation.tenant, invitation.customer_number, invitation.email, invitation.days_before_due,
            str(invitation.max_amount), invitation.invited_by) == (
        riverton.tenant, number, "pat.owner@example.org", 4, "200.00", riverton.clerk)
    assert "Invitations not yet accepted" in body and "pat.owner@example.org" in body.split("Invitations not yet")[1]
    sent = mail.outbox[-1]
    assert sent.to == ["pat.owner@example.org"] and number in sent.subject
    assert "http://riverton.localhost" in sent.body and f"/autopay/invitations/{invitation.token}/" in sent.body
    assert audit_rows(riverton, "autopay.invite") == [(riverton.clerk, f"account {number}", {})]


def test_enroll_a_linked_portal_user_invites_them_at_their_email(riverton, rosas, client_for):
    _sim, number = rosas
    response = client_for(riverton.clerk, riverton.tenant).post(ENROLL, {
        "customer_number": number, "recipient": str(riverton.resident.pk), "days_before_due": "0"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.days_before_due, invitation.max_amount) == ("rosa@example.org", 0, None)
    send_invitation(invitation.pk)  # the task, as a worker runs it
    assert mail.outbox[-1].to == ["rosa@example.org"]


@pytest.mark.parametrize("number, message", [
    ("999-9999-99", "Caselle has no account with customer number 999-9999-99."),
    ("abc", "Enter a customer number, such as 001-0042-00."),
])
def test_an_unknown_customer_number_is_explained(riverton, rosas, client_for, number, message):
    response = client_for(riverton.clerk, riverton.tenant).get(ENROLL, {"customer_number": number})
    assert response.status_code == 400 and message in text(response)
    assert "Send invitation" not in text(response)


def test_a_direct_pay_account_is_explained(riverton, rosas, client_for):
    sim, number = rosas
    sim.set_flags(OFFICE, number, direct_pay=True)
    response = client_for(riverton.clerk, riverton.tenant).get(ENROLL, {"customer_number": number})
    assert response.status_code == 400
    assert f"Account {number} pays by Direct Pay in Caselle. End its Direct Pay in Caselle first" in text(response)


def test_an_account_already_on_autopay_is_explained(riverton, rosas, client_for):
    _sim, number = rosas
    enroll(riverton, number, saved_method(riverton, riverton.resident))
    body = text(client_for(riverton.clerk, riverton.tenant).get(ENROLL, {"customer_number": number}))
    assert f"AutoPay is already on for account {number}, run by rosa@example.org." in body


def test_with_cows_down_finding_the_account_says_so(riverton, rosas, client_for):
    sim, number = rosas
    sim.set_fault(operation="*", mode="error", status=503, office=OFFICE)
    body = text(client_for(riverton.clerk, riverton.tenant).get(ENROLL, {"customer_number": number}))
    assert "The billing system (COWS) cannot be reached" in body


@pytest.mark.parametrize("changes, message", [
    ({"days_before_due": "11"}, "Choose from 0 to 10 days before the due date."),
    ({"days_before_due": "-1"}, "Choose from 0 to 10 days before the due date."),
    ({"days_before_due": ""}, "This field is required."),
    ({"email": "not-an-email"}, "Enter a valid email address, such as name@example.org."),
    ({"email": ""}, "Enter the email address to send the invitation to."),
    ({"max_amount": "0"}, "Enter a maximum above $0.00, or leave it empty."),
    ({"max_amount": "12.345"}, "Use dollars and cents, such as 150.00."),
    ({"recipient": "12345"}, "Select a valid choice."),
    ({"customer_number": "999-9999-99"}, "Caselle has no account with customer number 999-9999-99."),
])
def test_bad_input_is_explained_and_nothing_is_stored(riverton, rosas, client_for, changes, message):
    _sim, number = rosas
    data = {"customer_number": number, "recipient": "email", "email": "pat@example.org", "days_before_due": "3",
            "max_amount": "", **changes}
    response = client_for(riverton.clerk, riverton.tenant).post(ENROLL, data)
    body = text(response)
    assert response.status_code == 400
    assert message in body and "Nothing was sent." in body
    assert not Invitation.objects.exists() and not mail.outbox


def test_the_days_follow_the_offices_autopay_settings(riverton, rosas, client_for):
    _sim, number = rosas
    clerk = client_for(riverton.clerk, riverton.tenant)
    clerk.post("/office/autopay/settings/", {"max_days_before_due": "20", "charge_hour": "6", "reminder_days": "3"})
    response = clerk.post(ENROLL, {"customer_number": number, "recipient": "email", "email": "pat@example.org",
                                   "days_before_due": "15"})
    assert response.status_code == 302 and Invitation.objects.get().days_before_due == 15
