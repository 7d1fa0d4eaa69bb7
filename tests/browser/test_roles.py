"""Every role in a real browser: sign in, visit each page the role can reach, and check
each one with axe (WCAG 2.2 AA). The ``page`` fixture also fails a test whose pages log
a Content Security Policy violation."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from mhst.accounts.models import Role
from mhst.demo import DEMO_PASSWORD, USERS
from tests.browser.conftest import csp_violations, fresh_code

pytestmark = pytest.mark.browser

AXE = Axe()
# resultTypes: axe still runs every rule and reports every violation in full, but makes
# selectors and HTML extracts only for the violations, not for each node that passed (the
# library's default option, lost when the options are given): about half of each scan.
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
DEMO_USERS = {user.role: user for user in USERS}
NAVIGATION = {
    Role.ADMINISTRATOR: [
        "/",
        "/children/search",
        "/schools/",
        "/directory/",
        "/cohorts/",
        "/rollout/",
        "/campaigns",
        "/need/",
        "/admin/interest",
        "/admin/organisation/",
        "/admin/users/",
        "/admin/audit-log/",
        "/privacy/",
    ],
    Role.CLINICAL_LEAD: [
        "/",
        "/referrals/",
        "/referrals/waiting-list",
        "/children/search",
        "/groups/",
        "/schools/",
        "/directory/",
        "/cohorts/",
        "/rollout/",
        "/campaigns",
        "/need/",
        "/reports/",
        "/privacy/",
    ],
    Role.SENIOR_CLINICIAN: [
        "/",
        "/referrals/",
        "/referrals/triage",
        "/referrals/waiting-list",
        "/casework/",
        "/diary",
        "/children/search",
        "/groups/",
        "/supervision/",
        "/schools/",
        "/directory/",
        "/cohorts/",
        "/reports/",
    ],
    Role.EMHP: [
        "/",
        "/referrals/",
        "/referrals/waiting-list",
        "/casework/",
        "/diary",
        "/children/search",
        "/groups/",
        "/supervision/",
        "/schools/",
        "/directory/",
        "/cohorts/",
    ],
    Role.SCHOOL_MENTAL_HEALTH_LEAD: ["/", "/referrals/", "/schools/", "/directory/"],
    Role.COMMISSIONER: ["/", "/reports/", "/rollout/summary/"],
}
# Forms each role can open (checked empty; the journeys check them filled in).
FORMS = {
    Role.CLINICAL_LEAD: ["/extract/"],
    Role.SENIOR_CLINICIAN: [
        "/referrals/record",
        "/casework/team",
        "/supervision/overdue",
        "/supervision/new",
        "/groups/new",
    ],
    Role.EMHP: ["/referrals/record", "/groups/new"],
    Role.SCHOOL_MENTAL_HEALTH_LEAD: ["/referrals/new"],
}
HOME = re.compile(r"^http://127\.0\.0\.1:\d+/$")
SIGN_IN = re.compile(r"/sign-in(\?.*)?$")


def assert_accessible(page: Page) -> None:
    """The page, enhanced by its JavaScript, has one h1 and no WCAG 2.2 AA violations."""
    page.wait_for_load_state()
    assert_js_enabled(page)
    expect(page.locator("h1")).to_have_count(1)
    results = AXE.run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


def assert_js_enabled(page: Page) -> None:
    """static/js/app.mjs ran: a module script, so it may finish after the page shows."""
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    assert page.evaluate("document.body.classList.contains('js-enabled')")


def sign_in(page: Page, email: str, password: str) -> None:
    """Sign in through the form: the password, then (when it is right) a code from the
    user's authenticator app."""
    password_step(page, email, password)
    if urlsplit(page.url).path == "/sign-in/code":
        page.locator("#code").fill(fresh_code(email))
        page.get_by_role("button", name="Sign in").click()


def password_step(page: Page, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def submit_empty_sign_in(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert_js_enabled(page)  # the error summary's script is ready


def hrefs(page: Page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all("links => links.map(a => a.getAttribute('href'))")


def open_first_link(page: Page, list_path: str, pattern: str) -> None:
    """Open ``list_path`` and click the first link in its table, to a page matching ``pattern``."""
    page.goto(list_path)
    page.locator(f"main table a[href^='{list_path}']").first.click()
    expect(page).to_have_url(re.compile(pattern + "$"))


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_role_signs_in_sees_accessible_pages_and_signs_out(page: Page, role: Role):
    """Sign in through the form, check every page the role can reach, then sign out."""
    user = DEMO_USERS[role]
    sign_in(page, user.email, DEMO_PASSWORD)
    expect(page).to_have_url(HOME)
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(user.full_name)
    assert_js_enabled(page)
    assert_accessible(page)

    expected = NAVIGATION[role]
    assert hrefs(page, "nav[aria-label='Main menu'] a") == expected
    for path in [*expected, *FORMS.get(role, []), "/account/password", "/account/two-step-sign-in"]:
        page.goto(path)
        assert_accessible(page)

    if "/schools/" in expected:
        open_first_link(page, "/schools/", r"/schools/\d+")
        assert_accessible(page)
    if "/referrals/" in expected:
        open_first_link(page, "/referrals/", r"/referrals/\d+")
        assert_accessible(page)
    if "/children/search" in expected:
        # The demo's child referred twice: search, then their record.
        page.goto("/children/search")
        page.get_by_label("Name or NHS number").fill("Milo Hartigan")
        page.get_by_role("button", name="Search").click()
        assert_accessible(page)
        page.get_by_role("link", name="Milo Hartigan", exact=True).click()
        expect(page).to_have_url(re.compile(r"/children/\d+$"))
        assert_accessible(page)
    if role is Role.SENIOR_CLINICIAN:
        # The demo's risk raised at a session: its review page, then the referral's flags.
        page.goto("/")
        page.locator("main a[href*='/risk-flags/']").first.click()
        expect(page.locator("h1")).to_have_text("Review a risk raised on the case")
        assert_accessible(page)
        page.get_by_role("link", name=re.compile(r"^Back to .*'s referral$")).click()
        expect(page.locator("#risk-flags")).to_be_visible()
        assert_accessible(page)
    if role is Role.CLINICAL_LEAD:
        # Ask for the extract (a background job, run at once here): its page, then the list.
        page.goto("/extract/")
        page.get_by_role("button", name="Prepare the extract (ZIP)").click()
        expect(page).to_have_url(re.compile(r"/downloads/\d+$"))
        expect(
            page.get_by_role("button", name=re.compile(r"^Download mhsds-extract"))
        ).to_be_visible()
        assert_accessible(page)
        page.goto("/extract/")
        expect(page.get_by_role("table", name=re.compile("Your recent extracts"))).to_be_visible()
        assert_accessible(page)
    if role is Role.ADMINISTRATOR:
        page.goto("/admin/users/new")
        assert_accessible(page)
        open_first_link(page, "/admin/users/", r"/admin/users/\d+")
        assert_accessible(page)
        page.goto(page.url + "/reset-two-step-sign-in")  # the confirmation: nothing reset
        expect(page.locator("h1")).to_have_text("Reset two-step sign-in")
        assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(SIGN_IN)
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/notifications/")  # a staff page: signed out, back to sign-in
    expect(page).to_have_url(SIGN_IN)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_sign_in_page_is_accessible(page: Page):
    page.goto("/sign-in")
    assert_accessible(page)


def test_sign_in_errors_are_accessible(page: Page):
    """An empty form: an error summary, 'Error: ' in the title, and no violations."""
    submit_empty_sign_in(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)


def test_not_found_page_is_accessible(page: Page):
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    assert_accessible(page)


def test_javascript_runs_without_content_security_policy_violations(
    page: Page, console_messages: list[str]
):
    """The module script runs (it marks the body) and nothing breaks the policy."""
    user = DEMO_USERS[Role.EMHP]
    sign_in(page, user.email, DEMO_PASSWORD)
    expect(page).to_have_url(HOME)
    assert_js_enabled(page)
    assert csp_violations(console_messages) == []


def test_content_security_policy_violations_are_caught(page: Page, console_messages: list[str]):
    """Chromium still logs a blocked inline style in words the ``page`` fixture looks for."""
    page.goto("/sign-in")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate("document.head.append(document.createElement('style'))")
    assert csp_violations(console_messages)
    console_messages.clear()  # this one was on purpose


def test_error_summary_link_moves_focus_to_the_field(page: Page):
    submit_empty_sign_in(page)
    page.get_by_role("link", name="Enter your email address").click()
    assert page.evaluate("document.activeElement.id") == "email"


def test_tab_first_focuses_the_skip_link(page: Page):
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
