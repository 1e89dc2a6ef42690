import re

from playwright.sync_api import expect
import pytest

from ..factories import totp_code
from .conftest import assert_accessible, city_url, read_mails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_newcomer_registers_verifies_from_the_mail_and_lands_on_welcome(live_server, page, riverton, mail_dir):
    settings = riverton.tenant.portal_settings
    settings.landing_message = "Welcome, Riverton residents!"
    settings.save()

    page.goto(city_url(live_server, "riverton"))
    assert_accessible(page)
    page.get_by_role("link", name="Create your account").click()
    # The password rules are on the form before the first try.
    expect(page.get_by_text("at least 10 characters")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password (again)").fill("short")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("This password is too short")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Password", exact=True).fill("Blue-Heron-Lake-42")
    page.get_by_label("Password (again)").fill("Blue-Heron-Lake-42")
    page.get_by_label("Mobile phone (optional)").fill("(303) 555-0142")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert_accessible(page)

    [message] = read_mails(mail_dir)
    assert message["To"] == "newcomer@example.org"
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", message.get_content()).group(0)
    assert link.startswith(city_url(live_server, "riverton"))
    page.goto(link)
    assert_accessible(page)
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(re.compile(r"/welcome/next/$"))
    assert_accessible(page)
    page.get_by_role("link", name="Continue to the Homepage").click()
    expect(page.get_by_role("heading", name="Welcome to City of Riverton")).to_be_visible()
    expect(page.get_by_text("Welcome, Riverton residents!")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Utility Billing")).first).to_be_visible()
    assert_accessible(page)


def test_clerk_logs_in_on_the_same_page_and_sees_the_admin_menu(live_server, page, riverton, password):
    page.goto(city_url(live_server, "riverton"))
    page.get_by_label("Email").fill(riverton.clerk.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(riverton.clerk))  # an office admin's second step
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Portal overview")).to_be_visible()
    expect(page.get_by_text("rosa@example.org")).to_be_visible()
    assert_accessible(page)


def test_directory_and_unknown_city_pages(live_server, page, riverton):
    port = live_server.url.rsplit(":", 1)[1]
    page.goto(f"http://localhost:{port}/")
    assert_accessible(page)
    page.get_by_label("City or town name").fill("river")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="City of Riverton").click()
    expect(page.get_by_role("heading", name="Welcome to City of Riverton")).to_be_visible()
    response = page.goto(city_url(live_server, "atlantis"))
    assert response.status == 404
    expect(page.get_by_text("atlantis.localhost")).to_be_visible()
    assert_accessible(page)
