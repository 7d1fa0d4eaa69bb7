"""Issue 16's questionnaires completed online, in a real browser: the demo EMHP sends a
follow-up Goal Based Outcomes to a young person by text (no Notify key: the development
outbox shows the message and its link), the young person opens the link in a fresh
browser at 320 px with JavaScript off, sees their goals from the baseline and only the
first name chosen, answers, and the score appears on the case's measure chart marked as
completed online; the link then no longer works. The public pages pass axe (WCAG 2.2 AA)
and fit 320 px, and no page asks anything of a host other than the app's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from mhst.accounts.models import User
from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.questionnaires import links
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral
from tests.browser.conftest import in_live_app
from tests.browser.test_referral_journey import EMHP
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

MOBILE = "07700 900789"
PHONE = {"width": 320, "height": 640}


def _a_case_with_goals() -> dict:
    """One of the demo EMHP's open cases with a baseline GBO, and what the page must show
    (the goals) and must not (the child's surname, school, reference)."""
    emhp = db.session.scalars(select(User).filter_by(email=EMHP)).one()
    for measure in db.session.scalars(
        select(MeasureRecord)
        .join(Referral, Referral.id == MeasureRecord.referral_id)
        .where(
            MeasureRecord.measure_code == "GBO",
            MeasureRecord.recorded_by_id == emhp.id,
            Referral.status.in_(OPEN_CASE_STATUSES),
        )
        .order_by(MeasureRecord.id)
    ):
        goals = links.goals_of(links.baseline_of(measure.referral, _gbo()))
        if goals:
            referral = measure.referral
            return {
                "case_id": referral.id,
                "goals": list(goals.values()),
                "given": referral.child.given_name,
                "secrets": [
                    referral.child.family_name,
                    referral.school.name,
                    referral.reference,
                ],
            }
    raise AssertionError("the demo EMHP has no open case with a baseline GBO")


def _gbo():
    from mhst.outcomes import recording

    return recording.measures()["GBO"]


@contextmanager
def phone(browser: Browser, live_server: str, *, javascript: bool) -> Iterator[Page]:
    """A fresh browser (no cookies) 320 px wide that can reach the live server only; every
    request elsewhere is recorded and refused, and must not happen."""
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, java_script_enabled=javascript
    )
    outside: list[str] = []

    def only_live_server(route) -> None:
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_live_server)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not outside, f"requests to other hosts: {outside}"


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_a_young_person_answers_a_gbo_sent_as_a_link(page, browser, live_server):
    case = in_live_app(_a_case_with_goals)
    emhp = signed_in(page, EMHP)
    emhp.goto(f"/casework/cases/{case['case_id']}/questionnaires")
    expect(emhp.locator("h1")).to_have_text("Questionnaires sent to complete online")
    assert_accessible(emhp)
    emhp.get_by_role("button", name="Send a questionnaire").click()
    expect(emhp.locator("h1")).to_have_text("Send a questionnaire to complete online")
    assert_accessible(emhp)
    emhp.get_by_role("group", name="Which questionnaire?").get_by_role(
        "radio", name="Goal Based Outcomes"
    ).check()
    emhp.get_by_role("group", name="Who is it for?").get_by_role(
        "radio", name="The young person"
    ).check()
    emhp.get_by_role("radio", name="Text message").check()
    emhp.get_by_label("Mobile number (for a text message)").fill("0116 496 0000")
    expect(emhp.get_by_label("First name to show on the questionnaire (optional)")).to_have_value(
        case["given"]
    )
    emhp.get_by_role("button", name="Send the link").click()
    expect(emhp).to_have_title(re.compile(r"^Error: "))
    expect(emhp.locator(".nhsuk-error-summary")).to_contain_text("Enter a UK mobile number")
    assert_accessible(emhp)
    emhp.get_by_label("Mobile number (for a text message)").fill(MOBILE)
    emhp.get_by_role("button", name="Send the link").click()
    expect(emhp.get_by_text("Questionnaire link sent by text message to …789")).to_be_visible()
    row = emhp.locator("main table tbody tr").first
    expect(row).to_contain_text("Waiting")

    # No Notify key: the development outbox shows the message, and the link in it.
    emhp.goto("/questionnaires/outbox")
    message = emhp.locator("main table tbody tr").first.locator("td").last.inner_text()
    assert message.startswith("A short questionnaire from your school's mental health")
    for name in (case["given"], *case["secrets"]):
        assert name not in message
    path = re.search(r"/q/[A-Za-z0-9_-]+", message)[0]
    assert_accessible(emhp)

    # The public page, with JavaScript (for axe) at 320 px: accessible and fits.
    with phone(browser, live_server, javascript=True) as family:
        family.goto(path)
        expect(family.locator("h1")).to_have_text(f"Hello {case['given']}: a short questionnaire")
        assert_accessible(family)
        fits_the_screen(family)

    # The young person answers on a phone without JavaScript.
    with phone(browser, live_server, javascript=False) as young_person:
        young_person.goto(path)
        main = young_person.locator("main")
        for goal in case["goals"]:
            expect(main).to_contain_text(goal)
        for secret in case["secrets"]:
            expect(main).not_to_contain_text(secret)
        young_person.get_by_role("button", name="Send my answers").click()
        expect(young_person).to_have_title(re.compile(r"^Error: "))
        expect(young_person.locator(".nhsuk-error-summary")).to_be_visible()
        for goal in case["goals"]:
            young_person.get_by_role("group", name=goal).get_by_role("radio", name="8").check()
        young_person.get_by_role("button", name="Send my answers").click()
        expect(young_person.locator("h1")).to_have_text("Thank you: your answers have been sent")
        young_person.goto(path)
        expect(young_person.locator("h1")).to_have_text("Thank you: your answers have been sent")

    # Another phone finds the link used; the page is accessible and fits.
    with phone(browser, live_server, javascript=True) as another:
        another.goto(path)
        expect(another.locator("h1")).to_have_text("This link has already been used")
        for goal in case["goals"]:
            expect(another.locator("main")).not_to_contain_text(goal)
        assert_accessible(another)
        fits_the_screen(another)

    # The score is on the case's chart, marked as completed online.
    emhp.goto(f"/casework/cases/{case['case_id']}/measures")
    latest = emhp.locator("table#chart-gbo-total-table tbody tr").last
    expect(latest).to_contain_text("8")
    expect(latest).to_contain_text("Completed by the young person online")
    emhp.goto(f"/casework/cases/{case['case_id']}/questionnaires")
    expect(emhp.locator("main table tbody tr").first).to_contain_text("Answered")
    assert_accessible(emhp)
