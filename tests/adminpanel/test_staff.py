"""Office staff (Admin - Staff): the city's office admins; inviting another by a one-time link that expires;
accepting it signed in with that address; removing one (never the last, yourself only on purpose). Each
change is audited and emailed to every office admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from adminpanel.models import AuditEntry
from customers.models import StaffInvitation
from customers.models import Membership

from ..conftest import host_of, make_office_admin
from ..factories import PASSWORD, UserFactory

STAFF = "/office/settings/staff/"
INVITE = "/office/settings/staff/invite/"
REAUTH = "/accounts/reauthenticate/"


def confirmed(client):
    """The admin has just confirmed it is them (allauth's reauthenticate, by password)."""
    assert client.post(REAUTH, {"password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def clerk(riverton, client_for):
    return confirmed(client_for(riverton.clerk, riverton.tenant))


@pytest.fixture
def olga(riverton):
    """A second office admin of Riverton."""
    return make_office_admin(riverton.tenant, UserFactory(email="olga@riverton.example", first_name="Olga",
                                                          last_name="Ortiz"))


def membership(city, user):
    return Membership.objects.get(tenant=city.tenant, user=user)


def invite(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(INVITE, {"email": email})


def link_in(message) -> str:
    return re.search(r"http://riverton\.localhost(/office/settings/staff/join/[^/\s]+/)", message.body).group(1)


# --- the list --------------------------------------------------------------------------------------------

def test_the_list_shows_this_citys_admins_with_mfa_and_last_sign_in(riverton, lakeside, olga, client_for):
    nora = make_office_admin(riverton.tenant, UserFactory(email="nora@riverton.example"), mfa=False)
    Membership.objects.filter(user=olga).update(last_login_at=timezone.now())
    body = client_for(riverton.clerk, riverton.tenant).get(STAFF).content.decode()
    assert "3 office admins" in body
    for email in ("carl@riverton.example", "olga@riverton.example", "nora@riverton.example"):
        assert email in body
    assert "Olga Ortiz" in body
    nora_row = body.split("nora@riverton.example", 1)[1].split("</tr>", 1)[0]
    assert "Not set up yet" in nora_row and "Never" in nora_row
    olga_row = body.split("olga@riverton.example", 1)[1].split("</tr>", 1)[0]
    assert ">On<" in olga_row and "Never" not in olga_row
    assert "rosa@example.org" not in body and "lars@lakeside.example" not in body  # a customer; another city
    assert nora and f"/office/settings/staff/{membership(riverton, nora).pk}/remove/" in body


def test_since_is_when_they_accepted_the_invitation_not_when_they_joined_the_city(riverton, client_for):
    rosa = membership(riverton, riverton.resident)
    Membership.objects.filter(pk=rosa.pk).update(created_at=timezone.now() - timedelta(days=800))
    accepted = timezone.now() - timedelta(days=3)
    StaffInvitation.objects.create(tenant=riverton.tenant, email=riverton.resident.email, token_hash="x" * 64,
                                   expires_at=accepted, accepted_at=accepted, accepted_by=riverton.resident)
    make_office_admin(riverton.tenant, riverton.resident)
    body = client_for(riverton.clerk, riverton.tenant).get(STAFF).content.decode()
    rosa_row = body.split("rosa@example.org", 1)[1].split("</tr>", 1)[0]
    assert timezone.localtime(accepted, riverton.tenant.zone).strftime("%b %-d, %Y") in rosa_row


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_costs_the_same_queries_for_two_admins_or_twelve(riverton, client_for,
                                                                   django_assert_max_num_queries, count):
    for n in range(count):
        make_office_admin(riverton.tenant, UserFactory(email=f"admin{n}@riverton.example"), mfa=n % 2 == 0)
        StaffInvitation.objects.create(tenant=riverton.tenant, email=f"invitee{n}@example.org", token_hash=f"{n:064}",
                                       invited_by=riverton.clerk, expires_at=timezone.now() + timedelta(days=7))
    client = client_for(riverton.clerk, riverton.tenant)
    client.get(STAFF)
    with django_assert_max_num_queries(4):
        body = client.get(STAFF).content.decode()
    assert f"{count + 1} office admins" in body and body.count("<td>invitee") == count


# --- inviting --------------------------------------------------------------------------------------------

def test_inviting_first_asks_the_admin_to_confirm_it_is_them(riverton, client_for):
    response = client_for(riverton.clerk, riverton.tenant).get(INVITE)
    assert response.status_code == 302 and response["Location"].startswith(REAUTH)


def test_an_invitation_is_emailed_with_a_one_time_link_and_audited(riverton, clerk, django_capture_on_commit_callbacks):
    response = invite(clerk, " Nina@Example.org ", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == STAFF
    invitation = StaffInvitation.objects.get(tenant=riverton.tenant)
    assert invitation.email == "nina@example.org" and invitation.invited_by == riverton.clerk
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    [message] = mail.outbox
    assert message.to == ["nina@example.org"] and "City of Riverton" in message.subject
    link = link_in(message)
    assert link.split("/")[-2] not in invitation.token_hash  # only the token's hash is kept
    assert "expires in 7 days" in message.body and "authenticator app" in message.body
    entry = AuditEntry.objects.get(tenant=riverton.tenant, action="staff.invite")
    assert entry.actor == riverton.clerk and entry.target == "nina@example.org"
    expires = timezone.localtime(StaffInvitation.objects.get(email="nina@example.org").expires_at, riverton.tenant.zone)
    assert entry.changes == {"expires_at": [None, f"{expires:%b} {expires.day}, {expires:%Y} {expires:%-I}:{expires:%M} "
                                                f"{'AM' if expires.hour < 12 else 'PM'}"]}
    assert "nina@example.org" in clerk.get(STAFF).content.decode()


@pytest.mark.parametrize("email, error", [
    ("", "Enter the email address of the person to invite."),
    ("nina", "Enter a valid email address, such as name@example.org."),
    ("nina@", "Enter a valid email address, such as name@example.org."),
    ("a" * 250 + "@example.org", "An email address has at most 254 characters (this one has 262)."),
    ("carl@riverton.example", "carl@riverton.example is already an office admin here."),
    ("CARL@Riverton.example", "carl@riverton.example is already an office admin here."),
])
def test_a_bad_address_is_refused_on_its_field_and_nothing_is_sent(riverton, clerk, email, error,
                                                                   django_capture_on_commit_callbacks):
    response = invite(clerk, email, django_capture_on_commit_callbacks)
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_email_error"' in body and error in body
    assert not StaffInvitation.objects.exists() and not mail.outbox
    assert not AuditEntry.objects.filter(action="staff.invite").exists()


def test_inviting_again_cancels_the_older_link(riverton, clerk, client_for, django_capture_on_commit_callbacks):
    invite(clerk, riverton.resident.email, django_capture_on_commit_callbacks)
    invite(clerk, riverton.resident.email, django_capture_on_commit_callbacks)
    old, new = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    rosa = client_for(riverton.resident, riverton.tenant)
    assert "This invitation has been cancelled." in rosa.get(old).content.decode()
    assert rosa.post(new).status_code == 302
    assert membership(riverton, riverton.resident).is_office_admin


def test_cancelling_an_invitation_stops_its_link_and_is_audited(riverton, clerk, client_for,
                                                              django_capture_on_commit_callbacks):
    invite(clerk, riverton.resident.email, django_capture_on_commit_callbacks)
    invitation = StaffInvitation.objects.get()
    response = clerk.post(f"/office/settings/staff/invitations/{invitation.pk}/cancel/")
    assert response.status_code == 302
    assert "No invitation is waiting." in clerk.get(STAFF).content.decode()
    rosa = client_for(riverton.resident, riverton.tenant)
    assert rosa.post(link_in(mail.outbox[0])).status_code == 200
    assert not membership(riverton, riverton.resident).is_office_admin
    assert AuditEntry.objects.get(action="staff.invite_cancel").target == riverton.resident.email


# --- removing --------------------------------------------------------------------------------------------

def remove_url(city, user) -> str:
    return f"/office/settings/staff/{membership(city, user).pk}/remove/"


def test_removing_first_asks_the_admin_to_confirm_it_is_them(riverton, olga, client_for):
    client = client_for(riverton.clerk, riverton.tenant)
    for response in (client.get(remove_url(riverton, olga)), client.post(remove_url(riverton, olga))):
        assert response.status_code == 302 and response["Location"].startswith(REAUTH)
    assert membership(riverton, olga).is_office_admin


def test_a_removed_admin_stays_a_customer_loses_the_office_at_once_and_everyone_is_told(
        riverton, olga, clerk, client_for, django_capture_on_commit_callbacks):
    olgas_session = client_for(olga, riverton.tenant)
    assert olgas_session.get("/office/").status_code == 200
    page = clerk.get(remove_url(riverton, olga)).content.decode()
    assert "olga@riverton.example will no longer be an office admin" in page and "You are removing yourself" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(remove_url(riverton, olga))
    assert response.status_code == 302 and response["Location"] == STAFF
    assert membership(riverton, olga).role == Membership.Role.CUSTOMER
    assert olgas_session.get("/office/").status_code == 404
    assert olgas_session.get("/").status_code == 200
    entry = AuditEntry.objects.get(action="staff.remove")
    assert entry.actor == riverton.clerk and entry.target == "olga@riverton.example"
    assert entry.changes == {"role": ["Office admin", "Customer"]}
    assert sorted(m.to[0] for m in mail.outbox) == ["carl@riverton.example", "olga@riverton.example"]
    assert all("Olga Ortiz <olga@riverton.example> is no longer an office admin" in m.body for m in mail.outbox)


def test_the_last_admin_cannot_be_removed(riverton, clerk, django_capture_on_commit_callbacks):
    url = remove_url(riverton, riverton.clerk)
    page = clerk.get(url).content.decode()
    assert page.count("A city needs at least one office admin") == 1
    assert "<form" not in page.split("<h1>", 1)[1]  # only the explanation and a way back
    assert "Remove me" not in page and "Keep them" not in page and 'name="understood"' not in page
    assert 'href="/office/settings/staff/">Back to Staff</a>' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(url, {"understood": "on"})
    assert response.status_code == 400
    said = response.content.decode()
    assert said.count("A city needs at least one office admin: invite another before removing this one.") == 1
    assert membership(riverton, riverton.clerk).is_office_admin
    assert not mail.outbox and not AuditEntry.objects.filter(action="staff.remove").exists()


def test_removing_yourself_warns_and_needs_the_box_ticked(riverton, olga, clerk, django_capture_on_commit_callbacks):
    url = remove_url(riverton, riverton.clerk)
    assert "You are removing yourself." in clerk.get(url).content.decode()
    refused = clerk.post(url)
    assert refused.status_code == 400 and 'id="id_understood_error"' in refused.content.decode()
    assert membership(riverton, riverton.clerk).is_office_admin
    with django_capture_on_commit_callbacks(execute=True):
        done = clerk.post(url, {"understood": "on"})
    assert done.status_code == 302 and done["Location"] == "/"
    assert membership(riverton, riverton.clerk).role == Membership.Role.CUSTOMER
    assert clerk.get(STAFF).status_code == 404


def test_only_an_admin_can_be_removed(riverton, clerk):
    assert clerk.get(remove_url(riverton, riverton.resident)).status_code == 404


def test_the_staff_screens_are_404_to_residents_and_another_citys_clerk(riverton, lakeside, olga, client_for):
    for user, tenant in ((riverton.resident, riverton.tenant), (lakeside.clerk, riverton.tenant)):
        client = confirmed(client_for(user, tenant))
        assert client.get(STAFF).status_code == 404
        assert client.post(INVITE, {"email": "x@example.org"}).status_code == 404
        assert client.post(remove_url(riverton, olga)).status_code == 404
    assert not StaffInvitation.objects.exists() and membership(riverton, olga).is_office_admin


def test_an_admin_without_an_authenticator_app_is_sent_to_set_it_up_first(riverton, client_for):
    nora = make_office_admin(riverton.tenant, UserFactory(email="nora@riverton.example"), mfa=False)
    response = client_for(nora, riverton.tenant).get(STAFF)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_a_link_in_the_email_points_at_the_citys_own_host(riverton, clerk, django_capture_on_commit_callbacks):
    invite(clerk, "nina@example.org", django_capture_on_commit_callbacks)
    assert f"http://{host_of(riverton.tenant)}/office/settings/staff/join/" in mail.outbox[0].body
