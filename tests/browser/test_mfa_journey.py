"""A new clerk's first visit to the office screens: sent to set up an authenticator app, they type the secret
into it (here: the test computes the app's code), keep the recovery codes and reach the Overview; the next
sign-in asks for the app's code."""

import re

from playwright.sync_api import expect
import pytest

from ..conftest import make_office_admin
from ..factories import UserFactory, totp_code
from .conftest import assert_accessible, city_url, office_menu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHY = "Office screens need a second step at sign-in: set up an authenticator app."


def sign_in_with_password(page, live_server, email, password):
    page.goto(city_url(live_server, "riverton", "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}],
                         ids=["phone", "desktop"])
def test_a_new_clerk_sets_up_the_app_then_signs_in_with_its_code(live_server, page, riverton, password, viewport):
    page.set_viewport_size(viewport)
    nora = make_office_admin(riverton.tenant, UserFactory(email="nora@riverton.example", first_name="Nora"),
                             mfa=False)
    sign_in_with_password(page, live_server, nora.email, password)
    page.get_by_role("link", name="Admin").click()

    # Just signed in: straight to setting the app up (no second password prompt); the page says why.
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_text(WHY)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    secret = page.get_by_label("Secret (to type in instead of scanning)").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    page.get_by_label("Authenticator code").fill("000000" if totp_code(nora, secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn it on").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert page.get_by_label("Authenticator code").get_attribute("aria-invalid") == "true"
    page.get_by_label("Authenticator code").fill(totp_code(nora, secret))
    page.get_by_role("button", name="Turn it on").click()

    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    codes = page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", code) for code in codes)
    assert_accessible(page)
    page.get_by_role("link", name="I have kept them: continue to the office screens").click()
    expect(page.get_by_role("heading", name="Portal overview")).to_be_visible()
    # The Staff screen shows the app is on now; the Audit log opens too.
    office_menu(page).get_by_role("link", name="Staff", exact=True).click()
    nora_row = page.get_by_role("row").filter(has_text="nora@riverton.example")
    assert "On" in nora_row.inner_text()
    assert_accessible(page)
    office_menu(page).get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    sign_in_with_password(page, live_server, nora.email, password)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    assert_accessible(page)
    page.get_by_label("Code").fill(totp_code(nora, secret))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Portal overview")).to_be_visible()
