"""The clerk's people work: links a landlord (who then sees the accounts), unlinks a portal user, answers a
"can't link" call from Failed link attempts with Link for them, views the portal as a customer, and finds a member
who never linked an account on Portal members; on a phone and a desktop screen."""

import re

from playwright.sync_api import expect
import pytest

from customers.models import LinkedAccount

from ..conftest import link_sample
from .conftest import assert_accessible, city_url, office_menu, sign_in
from .phone import assert_no_sideways_scroll, assert_on_screen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def check_both_widths(page) -> None:
    """No serious accessibility problem on a phone, nor on a desktop screen."""
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)


@pytest.fixture
def second_page(browser):
    """Another person's browser, phone-sized."""
    context = browser.new_context(viewport=PHONE)
    other = context.new_page()
    other.set_default_timeout(15000)
    yield other
    context.close()


def test_clerk_links_a_landlord_who_then_sees_every_account(live_server, page, second_page, cows, riverton, larry,
                                                            password):
    landlords = cows.get("/landlords?q=", office="riverton").json()["landlords"]
    landlord = max((l for l in landlords if l["kind"] == "landlord"), key=lambda l: len(l["customer_numbers"]))

    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="Landlords").click()
    page.get_by_role("searchbox", name="Landlord or cosigner").fill(str(landlord["id"]))
    page.get_by_role("button", name="Search Caselle").click()
    page.get_by_text("1 landlord or cosigner found").wait_for()
    check_both_widths(page)
    page.get_by_role("link", name=f"Link a portal user to {landlord['name']}").click()
    expect(page.get_by_role("heading", name=landlord["name"])).to_be_visible()
    page.get_by_label("Portal user's email").fill("someone@elsewhere.example")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_text("No one has signed up at City of Riverton with someone@elsewhere.example.")).to_be_visible()
    check_both_widths(page)
    page.get_by_label("Portal user's email").fill(larry.email)
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_text(f"larry@landlords.example now sees every account of {landlord['name']}.")).to_be_visible()
    links = page.get_by_role("region", name="Current links")
    expect(links.get_by_role("row").filter(has_text="larry@landlords.example").get_by_text(
        "by carl@riverton.example")).to_be_visible()
    check_both_widths(page)

    sign_in(second_page, live_server, larry, password)
    second_page.get_by_role("link", name="Utility Billing").first.click()
    for number in landlord["customer_numbers"]:
        expect(second_page.get_by_text(number).first).to_be_visible()
    assert_accessible(second_page)


def test_clerk_unlinks_a_portal_user_and_views_the_portal_as_a_customer(live_server, page, cows, riverton, password):
    key = link_sample(cows, riverton)
    number = cows.samples("riverton")[0]["customer_number"]
    sign_in(page, live_server, riverton.clerk, password)
    page.goto(city_url(live_server, "riverton", "/office/utility/portal-users/"))
    page.get_by_role("searchbox", name="Search").fill(key)  # without dashes
    page.get_by_role("button", name="Show portal users").click()
    page.get_by_role("heading", name="1 linked account").wait_for()
    check_both_widths(page)

    page.get_by_role("link", name="View as customer rosa@example.org").click()
    page.get_by_role("button", name="View as customer").click()
    banner = page.get_by_role("region", name="Viewing as a customer")
    expect(banner.get_by_text("You are viewing the portal as rosa@example.org. Nothing can be changed.")).to_be_visible()
    expect(page.get_by_text(number).first).to_be_visible()
    check_both_widths(page)
    page.goto(city_url(live_server, "riverton", "/pay/wallet/"))
    expect(page.get_by_role("heading", name="Not while viewing as a customer")).to_be_visible()
    banner.get_by_role("button", name="Stop viewing").click()
    expect(page.get_by_text("You stopped viewing the portal as rosa@example.org.")).to_be_visible()

    page.get_by_role("link", name=f"Unlink account {number} from rosa@example.org").click()
    check_both_widths(page)
    page.get_by_role("button", name="Unlink").click()
    expect(page.get_by_text(f"Account {number} is no longer linked to rosa@example.org.")).to_be_visible()
    assert not LinkedAccount.objects.filter(user=riverton.resident).exists()


def test_clerk_answers_a_cant_link_call_and_links_for_them(live_server, page, second_page, cows, riverton, password):
    s = cows.samples("riverton")[1]
    sign_in(second_page, live_server, riverton.resident, password)
    second_page.goto(city_url(live_server, "riverton", "/utility/link/"))
    second_page.get_by_label("Customer number").fill(s["customer_number"])
    second_page.get_by_label("Last name on the account").fill(s["last_name"] + "x")
    second_page.get_by_role("button", name="Link account").click()
    expect(second_page.get_by_text("We couldn't find an account with that customer number")).to_be_visible()
    expect(second_page.get_by_text("Name does not match")).to_have_count(0)

    sign_in(page, live_server, riverton.clerk, password)
    page.goto(city_url(live_server, "riverton", "/office/"))
    office_menu(page).get_by_role("link", name="Failed link attempts").click()
    page.get_by_label("Portal user").fill("rosa@example.org")
    page.get_by_role("button", name="Show attempts").click()
    row = page.get_by_role("row").filter(has_text=s["customer_number"])
    expect(row.get_by_text("Name does not match")).to_be_visible()
    expect(row.get_by_role("cell", name=s["last_name"], exact=True)).to_be_visible()
    expect(row.get_by_text(f"last name “{s['last_name']}x”")).to_be_visible()
    check_both_widths(page)
    row.get_by_role("link", name=re.compile("Link for them")).click()
    page.get_by_role("button", name="Link the account").click()
    expect(page.get_by_text("Confirm that you verified who the caller is")).to_be_visible()
    check_both_widths(page)
    page.get_by_label("I verified this person's identity").check()
    page.get_by_role("button", name="Link the account").click()
    expect(page.get_by_text(f"Account {s['customer_number']} is now linked to rosa@example.org.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=s["customer_number"]).get_by_text("Linked now")).to_be_visible()

    second_page.goto(city_url(live_server, "riverton", "/utility/"))
    expect(second_page.get_by_text(s["customer_number"]).first).to_be_visible()


def test_clerk_finds_a_member_who_never_linked_an_account_on_a_phone(live_server, page, riverton, larry, password):
    LinkedAccount.objects.create(tenant=riverton.tenant, user=riverton.resident, account_key="4040400",
                                 customer_number="004-0404-00")  # Rosa has linked one; Larry (a landlord) none
    sign_in(page, live_server, riverton.clerk, password)
    page.goto(city_url(live_server, "riverton", "/office/"))
    page.get_by_role("link", name="2 Portal members").click()  # the Overview's figure leads to the list
    expect(page.get_by_role("heading", name="2 portal members")).to_be_visible()
    page.get_by_label("Linked accounts").select_option(label="None")
    page.get_by_role("button", name="Show portal members").click()
    expect(page.get_by_role("heading", name="1 portal member", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="larry@landlords.example")
    for label, value in (("Linked accounts", "0"), ("On AutoPay", "No"), ("Last sign-in", "Never")):
        cell = row.locator(f'td[data-label="{label}"]')
        expect(cell).to_have_text(value)
        assert_on_screen(cell)
    assert_on_screen(row.get_by_role("link", name="View as customer larry@landlords.example"))
    assert_no_sideways_scroll(page)
    check_both_widths(page)
    expect(row.get_by_role("link", name="Portal Users rows of larry@landlords.example")).to_have_count(0)  # none
