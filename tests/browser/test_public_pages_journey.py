"""Issue 16's public pages in a real browser, signed out, on a 320 px wide screen: a
family finds their school by part of its name and its area, and sees the team's contact
route and how to refer; then finds local support by concern and age, urgent help first.
A bad age is an NHS-style error. Every page passes axe (WCAG 2.2 AA), is no wider than
the screen, and asks nothing of any host but the app (every request is recorded with
``page.on("request")``, not only those the context lets through). The same searches
work with JavaScript switched off."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.schools.models import ParticipationStatus, School
from tests.browser.conftest import in_live_app
from tests.browser.test_roles import assert_accessible

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def _active_school() -> dict[str, str]:
    """A demo school taking part whose team has a public contact: its name, area, phone."""
    school = db.session.scalars(
        select(School)
        .join(School.team)
        .where(
            School.participation_status == ParticipationStatus.ACTIVE,
            Team.public_phone.is_not(None),
        )
        .order_by(School.name)
    ).first()
    return {
        "name": school.name,
        "area": str(school.area_id),
        "phone": school.team.public_phone,
        "not_active": db.session.scalars(
            select(School.name).where(School.participation_status != ParticipationStatus.ACTIVE)
        ).first(),
    }


@pytest.fixture
def requested(page: Page) -> list[str]:
    """Every URL the page asks for, whether or not the context lets it through."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.set_viewport_size(NARROW)
    return urls


def _fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROW["width"], f"{page.url} is {width} px wide"


def _checked(page: Page) -> None:
    assert_accessible(page)
    _fits_the_screen(page)


def test_a_family_finds_their_school_and_local_support(page: Page, requested):
    school = in_live_app(_active_school)
    page.goto("/schools-list")
    _checked(page)
    expect(page.get_by_role("link", name="ask for support online")).to_have_attribute(
        "href", "/self-referral"
    )
    # part of a word, in the wrong case
    part = school["name"].split()[0][1:].upper()
    page.locator("#q").fill(part)
    page.locator("#area").select_option(school["area"])
    page.get_by_role("button", name="Search").click()
    card = page.locator(".nhsuk-card", has_text=school["name"])
    expect(card).to_be_visible()
    expect(card).to_contain_text(school["phone"])
    expect(page.locator("#q")).to_have_value(part)
    if school["not_active"]:
        expect(page.locator(".nhsuk-card", has_text=school["not_active"])).to_have_count(0)
    _checked(page)

    page.goto("/local-support")
    _checked(page)
    page.locator("#concern").select_option("general_mental_health")
    page.locator("#age").fill("14")
    page.get_by_role("button", name="Search").click()
    headings = [" ".join(text.split()) for text in page.locator("h2").all_inner_texts()]
    assert headings[0] == "Urgent advice: Get help now", headings  # the care card's heading
    assert "Other support" in headings
    expect(page.locator("#concern")).to_have_value("general_mental_health")
    _checked(page)

    page.locator("#age").fill("fourteen")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Age must be a whole number from 0 to 25, like 14"
    )
    expect(page.locator("#age")).to_have_value("fourteen")
    expect(page.locator("h2").first).to_have_text("There is a problem")
    _checked(page)


def test_the_public_pages_ask_no_other_host(page: Page, requested, live_server):
    for path in (
        "/schools-list",
        "/schools-list?q=primary&phase=primary",
        "/local-support",
        "/local-support?concern=self_harm&age=14&area=city",
        "/local-support?age=fourteen",
    ):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    app_host = urlsplit(live_server).netloc
    assert len(requested) > 10  # the recorder saw the pages and their resources
    elsewhere = sorted({url for url in requested if urlsplit(url).netloc != app_host})
    assert elsewhere == []


@pytest.fixture
def no_script_page(browser: Browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server + "/") else route.abort()
        ),
    )
    page = context.new_page()
    page.set_viewport_size(NARROW)
    yield page
    context.close()


def test_the_searches_work_without_javascript(no_script_page: Page):
    page = no_script_page
    school = in_live_app(_active_school)
    page.goto("/schools-list")
    page.locator("#q").fill(school["name"][:6].lower())
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".nhsuk-card", has_text=school["name"])).to_be_visible()
    _fits_the_screen(page)
    page.goto("/local-support")
    page.locator("#age").fill("9")
    page.get_by_role("button", name="Search").click()
    assert "age=9" in page.url
    expect(page.get_by_role("heading", name="Other support")).to_be_visible()
    _fits_the_screen(page)
