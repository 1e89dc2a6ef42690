"""Accepting an invitation to be an office admin: only signed in with the invited address, verified; once;
before it expires; at the city that sent it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from adminpanel.models import AuditEntry
from customers.models import StaffInvitation
from customers.models import LinkedAccount, Membership

from ..factories import UserFactory
from .test_staff import clerk, invite, link_in, membership, olga  # noqa: F401  (fixtures and helpers)


@pytest.fixture
def rosas_link(riverton, clerk, django_capture_on_commit_callbacks):
    """The link of the office's invitation for Rosa (a customer of Riverton); its email is read and put away."""
    invite(clerk, riverton.resident.email, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[-1])
    mail.outbox.clear()
    return link


def test_someone_signed_out_is_asked_to_sign_in_or_create_an_account_first(riverton, rosas_link, anon_client):
    response = anon_client(riverton.tenant).get(rosas_link)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    login_page = anon_client(riverton.tenant).get(response["Location"]).content.decode()
    assert "/accounts/signup/?next=" in login_page  # creating an account comes back to the link too
    assert ("Sign in, or create your login, with the address the invitation was sent to, to accept it."
            in login_page)
    assert "rosa@example.org" not in login_page  # the address is not given away
    assert login_page.count("Forgot your password?") == 1


def test_the_sign_in_page_says_nothing_of_an_invitation_otherwise(riverton, anon_client):
    for url in ("/accounts/login/", "/accounts/login/?next=/office/", "/accounts/login/?next=https://evil.example/"):
        page = anon_client(riverton.tenant).get(url).content.decode()
        assert "the address the invitation was sent to" not in page, url
        assert page.count("Forgot your password?") == 1, url


def test_a_customer_accepts_and_becomes_an_office_admin_keeping_their_accounts(
        riverton, olga, rosas_link, client_for, django_capture_on_commit_callbacks):
    LinkedAccount.objects.create(tenant=riverton.tenant, user=riverton.resident, account_key="1000100",
                                 customer_number="001-0001-00")
    rosa = client_for(riverton.resident, riverton.tenant)
    page = rosa.get(rosas_link).content.decode()
    assert "You are invited to be an office admin of City of Riverton, as rosa@example.org" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = rosa.post(rosas_link)
    assert response.status_code == 302 and response["Location"] == "/office/"
    assert membership(riverton, riverton.resident).is_office_admin
    assert LinkedAccount.objects.filter(user=riverton.resident).count() == 1
    # The office opens once Rosa has set up her authenticator app.
    assert rosa.get("/office/")["Location"].startswith("/accounts/2fa/totp/activate/")
    entry = AuditEntry.objects.get(action="staff.accept")
    assert entry.actor == riverton.resident and entry.changes == {"role": ["Customer", "Office admin"]}
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == ["carl@riverton.example", "olga@riverton.example", "rosa@example.org"]
    assert all("Rosa <rosa@example.org> is now an office admin (invited by Carl <carl@riverton.example>)" in m.body
               for m in mail.outbox)
    # The link works once.
    assert "You are already an office admin" in rosa.get(rosas_link).content.decode()


def test_a_person_new_to_the_city_accepts_and_gets_a_membership(riverton, clerk, client_for,
                                                               django_capture_on_commit_callbacks):
    newcomer = UserFactory(email="newcomer@example.org")
    invite(clerk, newcomer.email, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[-1])
    assert client_for(newcomer, riverton.tenant).post(link).status_code == 302
    assert membership(riverton, newcomer).is_office_admin


def test_another_address_gets_a_404_that_says_what_to_check(riverton, larry, rosas_link, client_for):
    larry_client = client_for(larry, riverton.tenant)
    response = larry_client.get(rosas_link)
    body = response.content.decode()
    assert response.status_code == 404
    assert "There is no invitation at this link for larry@landlords.example" in body
    assert "rosa@example.org" not in body  # whom it is for stays private
    assert larry_client.post(rosas_link).status_code == 404
    assert not membership(riverton, larry).is_office_admin


def test_an_unverified_address_is_not_enough(riverton, clerk, client_for, django_capture_on_commit_callbacks):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=riverton.resident, email="rosa.work@example.org", verified=False)
    invite(clerk, "rosa.work@example.org", django_capture_on_commit_callbacks)
    rosa = client_for(riverton.resident, riverton.tenant)
    assert rosa.post(link_in(mail.outbox[-1])).status_code == 404
    assert not membership(riverton, riverton.resident).is_office_admin


def test_an_expired_link_says_so_and_changes_nothing(riverton, rosas_link, client_for):
    StaffInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    rosa = client_for(riverton.resident, riverton.tenant)
    assert "This invitation has expired." in rosa.get(rosas_link).content.decode()
    body = rosa.post(rosas_link).content.decode()
    assert "This invitation has expired." in body
    assert not membership(riverton, riverton.resident).is_office_admin
    assert not AuditEntry.objects.filter(action="staff.accept").exists()


def test_a_used_link_cannot_be_used_again_after_the_admin_was_removed(riverton, rosas_link, client_for):
    rosa = client_for(riverton.resident, riverton.tenant)
    rosa.post(rosas_link)
    rosas = membership(riverton, riverton.resident)
    rosas.role = Membership.Role.CUSTOMER
    rosas.save()
    assert "This invitation has already been used." in rosa.post(rosas_link).content.decode()
    assert not membership(riverton, riverton.resident).is_office_admin


def test_a_link_from_one_city_opens_nothing_at_another(riverton, lakeside, rosas_link, client_for):
    lakeside.tenant.memberships.create(user=riverton.resident)
    assert client_for(riverton.resident, lakeside.tenant).post(rosas_link).status_code == 404
    assert not lakeside.tenant.memberships.get(user=riverton.resident).is_office_admin


def test_opening_the_link_as_an_admin_already_changes_and_tells_nothing(riverton, rosas_link, client_for,
                                                                       django_capture_on_commit_callbacks):
    from ..conftest import make_office_admin

    make_office_admin(riverton.tenant, riverton.resident)
    rosa = client_for(riverton.resident, riverton.tenant)
    with django_capture_on_commit_callbacks(execute=True):
        page = rosa.post(rosas_link).content.decode()
    assert "You are already an office admin of City of Riverton." in page
    assert not mail.outbox and not AuditEntry.objects.filter(action="staff.accept").exists()
    assert StaffInvitation.objects.get().accepted_at is None
