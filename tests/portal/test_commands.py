import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client

from customers.models import Membership


def test_create_office_admin_makes_a_verified_admin_who_can_log_in(riverton, capsys):
    call_command("create_office_admin", tenant="riverton", email="Clerk2@Riverton.example", password="Secure-Pass-2026")
    membership = Membership.objects.get(user__email="clerk2@riverton.example")
    assert membership.tenant == riverton.tenant and membership.is_office_admin
    assert EmailAddress.objects.get(email="clerk2@riverton.example").verified
    client = Client(HTTP_HOST="riverton.localhost")
    assert client.post("/accounts/login/", {"login": "clerk2@riverton.example", "password": "Secure-Pass-2026"}).status_code == 302
    # The office screens open once they have set up an authenticator app (tests/adminpanel/test_mfa.py).
    response = client.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/totp/activate/")


def test_create_office_admin_generates_and_prints_a_password(riverton, capsys):
    call_command("create_office_admin", tenant="riverton", email="new.clerk@riverton.example")
    assert "Password: " in capsys.readouterr().out


def test_create_office_admin_names_an_unknown_city(riverton):
    with pytest.raises(CommandError, match="No city with slug 'nowhere'"):
        call_command("create_office_admin", tenant="nowhere", email="x@example.org")


def test_create_office_admin_refuses_a_bad_email(riverton):
    with pytest.raises(CommandError, match="not a valid email"):
        call_command("create_office_admin", tenant="riverton", email="not-an-email")
    assert not Membership.objects.filter(user__email="not-an-email").exists()


def test_seed_demo_can_run_twice(db):
    call_command("seed_demo")
    call_command("seed_demo")
    assert Membership.objects.filter(tenant__slug="demo").count() == 2
