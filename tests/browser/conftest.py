"""Playwright driving Debian's Chromium (no browser download), with axe-core checks."""

from __future__ import annotations

import email
import shutil
from email import policy
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from ..factories import totp_code

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report shows the page as it stood (kept as page.png and page.html too)."""
    report = yield
    page = item.funcargs.get("page") if report.when == "call" and report.failed else None
    if page is not None:
        report.sections.append(("the page when the test failed", _keep(page, item.funcargs["tmp_path"])))
    return report


@pytest.fixture
def page(browser, tmp_path):
    """A phone-sized page; the test fails if the content security policy refused anything on it.

    When the test fails, its report shows the page's address and text, and the page is kept in the
    test's temporary folder (``page.png``, ``page.html``)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(15000)
    page.csp_refusals = []
    page.on("console", lambda message: page.csp_refusals.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not page.csp_refusals, "the content security policy refused:\n" + "\n".join(page.csp_refusals)


def _keep(page, folder: Path) -> str:
    try:
        page.screenshot(path=folder / "page.png", full_page=True, timeout=5000)
        (folder / "page.html").write_text(page.content())
        text = page.locator("body").inner_text(timeout=5000)
    except Exception as exc:  # noqa: BLE001 - the failure itself matters more than this record of it
        text = f"(could not read the page: {exc})"
    return f"{page.url} (kept in {folder})\n{text[:3000]}"


_axe = Axe()


def assert_accessible(page, *, not_ours: tuple[str, ...] = ()) -> None:
    """No moderate, serious or critical axe-core violations on the page as it stands (`not_ours`: selectors of
    what a test stand-in put on the page, such as localstripe's 3-D Secure window, left out of the check)."""
    results = _axe.run(page, context={"exclude": [[s] for s in not_ours]} if not_ours else None)
    bad = [v for v in results.response["violations"] if v["impact"] in ("moderate", "serious", "critical")]
    detail = "\n".join(f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
                       for v in bad)
    assert not bad, f"Accessibility violations on {page.url}:\n{detail}"


@pytest.fixture
def mail_dir(settings, tmp_path) -> Path:
    """Mail written as .eml files, as the embedded default does."""
    settings.EMAIL_BACKEND = "portal.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def read_mails(directory: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(directory.glob("*.eml"))]


def city_url(live_server, slug: str, path: str = "/") -> str:
    port = live_server.url.rsplit(":", 1)[1]
    return f"http://{slug}.localhost:{port}{path}"


def office_menu(page):
    """The office's menus (the "Office" navigation). On a phone admin_menu.js closes them under "Office menu: …"
    once the page has loaded, so they are opened first, as a person would."""
    nav = page.get_by_role("navigation", name="Office")
    menu, summary = nav.locator("details"), nav.locator("summary")
    menu.wait_for(state="attached")  # the office page has come (after a click that leaves another page)
    page.wait_for_load_state()  # and its script has run
    if summary.is_visible() and menu.get_attribute("open") is None:
        summary.click()
    return nav


def sign_in(page, live_server, user, password, slug: str = "riverton") -> None:
    """Sign in on the city's own page, as a person would; a person with an authenticator app (every office
    admin: tests.factories.give_totp) then types the code the app shows now."""
    page.goto(city_url(live_server, slug))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Password").wait_for(state="detached")  # signed in (or at the code step) before going on
    if Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
        page.get_by_label("Code").fill(totp_code(user))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
