import re
from decimal import Decimal

from playwright.sync_api import expect
import pytest

from billing.formatting import money

from .conftest import assert_accessible, city_url, read_mails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_verify_link_by_name_then_by_amount_then_unlink(live_server, page, cows, riverton, mail_dir):
    first, second = cows.samples("riverton")[:2]
    office_first = cows.get(f"/accounts/{first['customer_number']}", office="riverton").json()

    page.goto(city_url(live_server, "riverton", "/accounts/signup/"))
    page.get_by_label("Email").fill("linker@example.org")
    page.get_by_label("Password", exact=True).fill("Blue-Heron-Lake-42")
    page.get_by_label("Password (again)").fill("Blue-Heron-Lake-42")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    [message] = read_mails(mail_dir)
    page.goto(re.search(r"http://\S+/accounts/confirm-email/\S+/", message.get_content()).group(0))
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("link", name="Link Utility Account").click()
    assert_accessible(page)
    page.get_by_label("Customer number").fill(first["customer_number"])  # typed with dashes
    page.get_by_label("Last name on the account").fill(first["last_name"].lower())
    page.get_by_role("button", name="Link account").click()
    expect(page.get_by_text(f"Account {first['customer_number']} is now linked.")).to_be_visible()
    expect(page.get_by_text(money(Decimal(office_first['balance_due']))).first).to_be_visible()
    expect(page.get_by_text(office_first["service_address"]).first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Link Another Account").click()
    page.get_by_label("Customer number").fill(second["customer_number"].replace("-", ""))
    second_amount = cows.get(f"/accounts/{second['customer_number']}", office="riverton").json()["last_billed_amount"]
    page.get_by_label("Or: the amount of your last bill").fill(f"${Decimal(second_amount):,.2f}")
    page.get_by_role("button", name="Link account").click()
    expect(page.get_by_text(f"Account {second['customer_number']} is now linked.")).to_be_visible()

    page.get_by_role("link", name=f"Unlink account {first['customer_number']}").click()
    assert_accessible(page)
    page.get_by_role("button", name="Unlink").click()
    expect(page.get_by_text(f"Account {first['customer_number']} is no longer linked.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(second["customer_number"]))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(first["customer_number"]))).to_have_count(0)


def test_wrong_guess_shows_a_clear_accessible_error(live_server, page, cows, riverton, password):
    page.goto(city_url(live_server, "riverton"))
    page.get_by_label("Email").fill(riverton.resident.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Password").wait_for(state="detached")
    page.goto(city_url(live_server, "riverton", "/utility/link/"))
    page.get_by_label("Customer number").fill("999-9999-99")
    page.get_by_label("Last name on the account").fill("Nobody")
    page.get_by_role("button", name="Link account").click()
    expect(page.get_by_role("alert").get_by_text("We couldn't find an account")).to_be_visible()
    assert_accessible(page)
