"""On a phone (390 px) the payment result's status wraps inside its card: nothing sticks out, no sideways scroll."""

import pytest

from .conftest import assert_accessible, city_url, sign_in
from .phone import assert_no_sideways_scroll, assert_on_screen
from .test_pay_journey import enter_card, link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_long_payment_status_wraps_inside_its_card(live_server, page, cows, riverton, password):
    link(cows, riverton)
    sign_in(page, live_server, riverton.resident, password)
    page.goto(city_url(live_server, "riverton", "/utility/"))
    page.get_by_role("link", name="Make a Payment").click()
    page.get_by_label("Amount to pay").fill("100.00")
    enter_card(page)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Pay $102.95").click()
    page.get_by_role("heading", name="Thank you! Your payment was received.").wait_for()
    status = page.get_by_text("Received, posting to the city's records pending")
    assert_on_screen(status)
    card = page.locator(".card").filter(has=status).bounding_box()
    box = status.bounding_box()
    assert box["x"] + box["width"] <= card["x"] + card["width"]
    assert_no_sideways_scroll(page)
    assert_accessible(page)
