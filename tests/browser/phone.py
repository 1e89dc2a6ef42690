"""Checks of a page on a phone (the `page` fixture is 390 px wide)."""

from playwright.sync_api import expect

PHONE = 390


def assert_no_sideways_scroll(page, screen: int = PHONE):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= screen, f"the page is {width} px wide on a {screen} px screen"


def assert_on_screen(locator, width: int = PHONE):
    """The element is visible and lies inside the phone's width (or that screen width), as it is, without scrolling
    sideways."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{locator} is at {box}"
