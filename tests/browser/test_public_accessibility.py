"""Every public page (no account needed): axe finds no WCAG 2.2 AA violation, the page
asks nothing of any host but the app's own (fonts included: nhsuk-frontend's CSS is
served without the NHS font host's @font-face rules), it works with JavaScript turned
off, and it fits a 320 px wide screen without scrolling sideways.

A questionnaire's own pages, reached by a real link, are checked in the same ways in
test_questionnaire_journey.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect
from sqlalchemy import select

from mhst.accounts import resets
from mhst.accounts.models import User
from mhst.demo import DEMO_PASSWORD
from mhst.extensions import db
from tests.browser.conftest import in_live_app
from tests.browser.test_roles import AXE, WCAG_AA, sign_in

pytestmark = pytest.mark.browser

# A demo colleague no other browser test signs in as: a reset link of theirs is opened
# but never used.
RESET_EMAIL = "leon.pryce@mhst.example"
RESET_LINK = "/reset-password/{token}"

PUBLIC_PAGES = [
    "/",
    "/privacy-notice",
    "/accessibility-statement",
    "/cookies",
    "/join",
    "/sign-in",
    "/forgotten-password",
    RESET_LINK,
    "/reset-password/no-such-link",  # the "link no longer works" page
    "/status",
    "/self-referral",
    "/self-referral/questions/who",
    "/self-referral/school-not-listed",
    "/schools-list",
    "/schools-list?q=academy",
    "/local-support",
    "/local-support?concern=self_harm&age=14",
    "/q/no-such-link",  # the questionnaire link that does not work
]
# Signed in, a member of staff's pages load nothing from other hosts either.
STAFF_PAGES = ["/", "/casework/", "/referrals/", "/children/search", "/diary"]
NARROW = {"width": 320, "height": 640}


def _reset_token() -> str:
    user = db.session.scalars(select(User).filter_by(email=RESET_EMAIL)).one()
    return resets.request_reset(user)


def address(path: str) -> str:
    """The page's path, with a fresh reset link's token where it needs one."""
    if path == RESET_LINK:
        return RESET_LINK.format(token=in_live_app(_reset_token))
    return path


def record_requests(page: Page) -> list[str]:
    """Every request the page makes from now on (aborted ones too), as URLs."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def outside(requested: list[str], live_server: str) -> list[str]:
    return [url for url in requested if not url.startswith(live_server + "/")]


@pytest.fixture
def new_context(browser: Browser, live_server: str) -> Iterator[Callable[..., BrowserContext]]:
    """Contexts with options (no JavaScript, a narrow screen), cut off from the network
    like the ``page`` fixture's."""
    contexts: list[BrowserContext] = []

    def only_live_server(route: Route) -> None:
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            route.abort()

    def make(**options) -> BrowserContext:
        context = browser.new_context(base_url=live_server, **options)
        context.route("**/*", only_live_server)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_passes_axe_and_asks_only_the_apps_host(page: Page, live_server, path):
    requested = record_requests(page)
    page.goto(address(path))
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_count(1)
    results = AXE.run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
    assert requested, "no request recorded"
    assert outside(requested, live_server) == []
    assert_no_web_fonts(page)


def assert_no_web_fonts(page: Page) -> None:
    """No @font-face at all (the CSP would block one from another host before any
    request, so the requests alone would not show it): the NHS fallback, Arial."""
    assert page.evaluate("document.fonts.size") == 0
    assert page.evaluate("getComputedStyle(document.body).fontFamily") == "arial, sans-serif"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_works_without_javascript(new_context, path):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(address(path))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("footer")).to_contain_text("Privacy notice")
    assert "js-enabled" not in (page.locator("body").get_attribute("class") or "")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_fits_a_320px_wide_screen(new_context, path):
    page = new_context(viewport=NARROW).new_page()
    page.goto(address(path))
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{path} is {width} px wide"


def test_signed_in_pages_load_nothing_from_other_hosts(page: Page, live_server):
    requested = record_requests(page)
    sign_in(page, "emhp@mhst.example", DEMO_PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    for path in STAFF_PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        expect(page.locator("h1")).to_have_count(1)
        assert_no_web_fonts(page)
    assert len(requested) > len(STAFF_PAGES)
    assert outside(requested, live_server) == []
