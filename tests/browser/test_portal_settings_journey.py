"""The clerk words the landing message, repaints the portal, adds a main-page photo, and sees it all as residents will."""

from pathlib import Path

from playwright.sync_api import expect
import pytest

from portal.models import PortalSettings

from .conftest import assert_accessible, city_url, office_menu, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHOTO = Path(__file__).resolve().parents[2] / "portal" / "demo" / "main-photo.jpg"
DESKTOP = {"width": 1280, "height": 900}


def header_colour(page) -> str:
    return page.locator("header.site-header").evaluate("el => getComputedStyle(el).backgroundColor")


def test_clerk_changes_the_landing_message_the_colour_and_the_photo(live_server, page, riverton, password):
    sign_in(page, live_server, riverton.clerk, password)
    page.get_by_role("link", name="Admin").click()
    office_menu(page).get_by_role("link", name="General", exact=True).click()
    expect(page.get_by_role("heading", name="General settings")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Landing screen message").fill("Hydrant flushing on Elm Street\nMonday 8am to noon.")
    page.get_by_label("Main navigation drop-down label").fill("City Services")
    page.get_by_role("button", name="Save general settings").click()
    page.get_by_text("The general settings were saved.").wait_for()

    # Theming: the picker appears with JavaScript, the preview and its contrast follow what is typed.
    office_menu(page).get_by_role("link", name="Theming").click()
    page.get_by_label("Or pick the colour").wait_for()  # revealed by theme_preview.js
    assert_accessible(page)
    colour = page.get_by_label("Primary colour")
    colour.fill("#ffff00")
    page.get_by_text("White text on #ffff00: contrast 1.07:1. Too light: at least 4.5:1 is needed.").wait_for()
    page.get_by_role("button", name="Save colour").click()
    expect(page.get_by_text("White text on #ffff00 has a contrast of 1.07:1; it needs at least 4.5:1")).to_be_visible()
    expect(page.get_by_text("The colour was not saved.")).to_be_visible()
    assert_accessible(page)
    assert PortalSettings.objects.get(tenant=riverton.tenant).theme_colour == "#1d4ed8"

    page.get_by_label("Primary colour").fill("#14532d")
    page.get_by_text("White text on #14532d: contrast").wait_for()
    preview = page.locator(".theme-preview-header")
    assert preview.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(20, 83, 45)"
    assert header_colour(page) == "rgb(29, 78, 216)"  # only the preview changes before saving
    page.get_by_role("button", name="Save colour").click()
    page.get_by_text("The colour was saved: the portal now uses #14532d.").wait_for()
    assert header_colour(page) == "rgb(20, 83, 45)"

    page.get_by_label("New main-page photo").set_input_files(str(PHOTO))
    page.get_by_label("Photo alt text (required)").fill("Green hills under a blue sky")
    page.get_by_role("button", name="Save photo").click()
    page.get_by_text("The main-page photo was saved.").wait_for()
    assert_accessible(page)
    # Removing asks first (like every delete in the office); keeping it changes nothing.
    page.get_by_role("link", name="Remove photo").click()
    expect(page.get_by_role("heading", name="Remove the main-page photo")).to_be_visible()
    expect(page.get_by_role("img", name="Green hills under a blue sky")).to_be_visible()
    expect(page.get_by_role("button", name="Remove photo")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Keep the photo").click()
    expect(page.get_by_role("link", name="Remove photo")).to_be_visible()
    assert PortalSettings.objects.get(tenant=riverton.tenant).photo

    # What residents see: the welcome page with the message, the new colour and the renamed menu.
    page.goto(city_url(live_server, "riverton"))
    expect(page.get_by_text("Hydrant flushing on Elm Street")).to_be_visible()
    expect(page.get_by_text("Monday 8am to noon.")).to_be_visible()
    assert header_colour(page) == "rgb(20, 83, 45)"
    menu = page.locator(".departments summary")
    menu.focus()
    page.keyboard.press("Enter")  # the menu opens from the keyboard
    expect(page.locator(".departments").get_by_role("link", name="Utility Billing")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)

    # Signed out, the landing page shows the photo with its alt text, on the new colour.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("button", name="Sign out").click()
    photo = page.get_by_role("img", name="Green hills under a blue sky")
    photo.wait_for()
    page.wait_for_load_state()  # the image itself has arrived
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 1600
    assert header_colour(page) == "rgb(20, 83, 45)"
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
