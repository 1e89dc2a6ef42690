"""Every office screen, found by walking adminpanel's URLs (so a new screen is covered the day it lands):
only this city's office admins get in; the menus lead to each screen and mark where the clerk is."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, get_resolver, reverse

from adminpanel.menu import MENU

from ..test_cross_tenant import walk
from .test_reauth import confirmed


def office_urls() -> list[str]:
    """adminpanel's URLs that take no id (those that do are checked in tests/test_cross_tenant.py)."""
    found = []
    for _route, name, pattern in walk(get_resolver("portal.urls").url_patterns):
        if name.startswith("adminpanel:") and isinstance(pattern, URLPattern) and not pattern.pattern.converters:
            found.append(reverse(name, urlconf="portal.urls"))
    return sorted(found)


URLS = office_urls()


def test_the_walk_finds_the_office_screens():
    assert "/office/" in URLS and "/office/autopay/" in URLS and len(URLS) >= 10


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_residents_and_another_citys_clerk_get_404(riverton, lakeside, larry, client_for, url, method):
    for person, tenant in ((riverton.resident, riverton.tenant), (larry, riverton.tenant),
                           (lakeside.clerk, riverton.tenant), (lakeside.resident, riverton.tenant)):
        assert getattr(client_for(person, tenant), method)(url).status_code == 404, (person, url)


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_sent_to_sign_in(riverton, anon_client, url):
    response = anon_client(riverton.tenant).get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


ENTRIES = [(section.label, entry) for section in MENU for entry in section.entries]


@pytest.mark.parametrize("section, entry", ENTRIES, ids=[e.url_name for _s, e in ENTRIES])
def test_each_menu_entry_opens_and_is_marked_as_the_current_page(riverton, client_for, section, entry):
    url = reverse(f"adminpanel:{entry.url_name}", urlconf="portal.urls")
    response = confirmed(client_for(riverton.clerk, riverton.tenant)).get(url)  # some need a fresh sign-in
    body = response.content.decode()
    assert response.status_code == 200, url
    menus = body.split('<nav class="admin-nav', 1)[1].split("</nav>", 1)[0]
    assert f'<a href="{url}" aria-current="page">' in menus
    assert menus.count('aria-current="page"') == 1
    assert ">Admin</p>" in menus and ">Utility Admin</p>" in menus
    # Both menus in one <details open> (all visible without JavaScript); on a phone its summary names this page.
    assert '<details class="admin-nav-menu" open data-admin-menu>' in menus
    same_label = sum(e.label == entry.label for _s, e in ENTRIES) > 1  # "Email" and "Payment" are in both menus
    shown = f"{entry.label} ({section})" if same_label else entry.label
    assert f"<summary>Office menu: {shown}</summary>" in menus


def test_the_office_menu_script_is_loaded_with_the_nonce_and_no_sideways_scroll_is_left(riverton, client_for):
    body = client_for(riverton.clerk, riverton.tenant).get("/office/").content.decode()
    [tag] = [t for t in re.findall(r"<script\b[^>]*>", body) if "js/admin_menu.js" in t]
    assert "nonce=" in tag and " defer" in tag
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    menu_rules = [rule for rule in css.split("}") if ".admin-menu" in rule or ".admin-nav" in rule]
    assert menu_rules and not any("overflow-x" in rule or "nowrap" in rule for rule in menu_rules)
    assert "@media (min-width: 48rem) { .admin-nav-menu > summary { display: none; } }" in css
