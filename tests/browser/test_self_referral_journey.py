"""Issue 16's self-referral "Done when" in a real browser: a parent self-refers online
with JavaScript off and the referral appears in the senior clinician's triage queue, not
on the school lead's pages; a 14-year-old asks for their parents not to be told and the
referral asks for a Gillick assessment. Axe (WCAG 2.2 AA) runs on every page of the
young person's journey, and the start page and a question page fit a 320 px screen.

The live server is shared: each test refers its own invented child, found by name."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from mhst.core.time import service_today
from tests.browser import test_school_journey
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

SENIOR_CLINICIAN = "senior.clinician@mhst.example"
SCHOOL_LEAD = "school.lead@mhst.example"  # Brookfield Primary School's lead
REFERENCE = re.compile(r"R\d{6}")
# Pages for the staff, each in its own guarded context (as in test_referral_journey.py).
open_page = test_school_journey.open_page


def born(age: int) -> date:
    return date(service_today().year - age, 1, 1)


def _continue(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()


def answer(
    page: Page,
    check: Callable[[Page], None],
    *,
    young: bool,
    age: int,
    name: str,
    school: str,
    keep_from_parents: bool = False,
) -> str:
    """Answer every page from the start page to the confirmation; ``check`` runs on each
    page first. Returns the reference shown."""
    page.goto("/self-referral")
    check(page)
    page.get_by_role("button", name="Start now").click()
    check(page)
    page.get_by_label("The young person themselves" if young else "A parent or carer").check()
    _continue(page)
    check(page)
    page.get_by_label("Search by the school's name").fill(school.split()[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    check(page)
    page.get_by_label(school, exact=True).check()
    _continue(page)
    given, family = name.split()
    check(page)
    page.get_by_label("First name").fill(given)
    page.get_by_label("Last name").fill(family)
    _continue(page)
    check(page)
    dob = born(age)
    page.get_by_label("Day").fill(str(dob.day))
    page.get_by_label("Month").fill(str(dob.month))
    page.get_by_label("Year", exact=True).fill(str(dob.year))
    _continue(page)
    check(page)
    page.get_by_label("Female", exact=True).check()
    page.get_by_label(f"Year {min(max(age - 5, 1), 11)}", exact=True).check()
    _continue(page)
    if young and 12 <= age <= 15:
        check(page)
        page.get_by_label(
            "Yes, please do not tell them"
            if keep_from_parents
            else "No, my parents or carers can know"
        ).check()
        _continue(page)
    if not young or not keep_from_parents:
        check(page)
        page.get_by_label("Full name").fill(f"Morgan {family}")
        page.get_by_label("Relationship to the child (for example, mum, dad, carer)").fill("Mum")
        page.get_by_label("Phone number").fill("01632 960999")
        _continue(page)
    check(page)
    if young:
        page.get_by_label("Your phone number").fill("07700 900999")
    else:
        page.get_by_label("Yes, the child agrees to the referral").check()
    _continue(page)
    check(page)
    page.get_by_label("Worry", exact=True).check()
    _continue(page)
    for text in ("Worries every morning before school.", None, None, "Talking to a teacher."):
        check(page)
        if text is None:
            page.locator("input[type=radio]").first.check()
        else:
            page.locator("textarea").fill(text)
        _continue(page)
    check(page)
    page.get_by_label("None of these").check()
    _continue(page)
    expect(page.locator("h1")).to_have_text("Check your answers before sending")
    check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send referral").click()
    check(page)
    expect(page.locator("h1")).to_contain_text("Referral sent")
    return REFERENCE.search(page.locator(".nhsuk-panel").inner_text())[0]


def no_check(_page: Page) -> None:
    pass


def referral_href(page: Page, name: str) -> str:
    page.goto("/referrals/triage")
    row = page.locator("tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Self-referral online")
    return row.get_by_role("link", name=name).get_attribute("href")


def test_a_parent_self_refers_without_javascript_and_only_the_team_sees_it(
    browser: Browser, live_server: str, open_page
):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server + "/") else route.abort()
        ),
    )
    try:
        family = context.new_page()
        reference = answer(
            family,
            no_check,
            young=False,
            age=9,
            name="Tansy Parentref",
            school="Brookfield Primary School",
        )
    finally:
        context.close()
    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    href = referral_href(senior, "Tansy Parentref")
    senior.goto(href)
    expect(senior.locator("main")).to_contain_text(reference)
    expect(senior.locator("main")).to_contain_text("Self-referral received online")
    expect(senior.locator("main")).to_contain_text("a parent or carer")
    lead = signed_in(open_page(), SCHOOL_LEAD)
    lead.goto("/referrals/")
    expect(lead.locator("main")).not_to_contain_text("Tansy Parentref")
    response = lead.goto(href)
    assert response.status == 404


def test_a_14_year_old_asks_for_parents_not_to_be_told_and_gets_a_gillick_route(
    page: Page, open_page
):
    answer(
        page,
        assert_accessible,
        young=True,
        age=14,
        name="Jules Gillickref",
        school="Harcourt Lane Academy",
        keep_from_parents=True,
    )
    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    href = referral_href(senior, "Jules Gillickref")
    senior.goto(href + "/consent")
    main = senior.locator("main")
    expect(main).to_contain_text("asked to be seen without their parents or carers being told")
    expect(main).to_contain_text("Gillick competence assessment")


def test_the_public_pages_fit_a_320_pixel_screen(page: Page):
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/self-referral", "/self-referral/questions/who"):
        page.goto(path)
        assert_accessible(page)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
