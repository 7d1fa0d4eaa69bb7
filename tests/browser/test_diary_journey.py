"""Issue 15's diary in a real browser: the demo EMHP (Jordan Patel) sees today's sessions
on the home page, opens the diary's week and a day, and makes a private calendar feed
address, which the test then fetches over HTTP, as a calendar app would, and parses with
``icalendar``. The senior clinician's team diary and the school lead's view of the
team's visits are checked with axe too. A group session recorded at its time shows in the
day's diary, and one recorded over it is refused in words, keeping what was typed.

The demo always gives Jordan a session with Zara Quennell today (``mhst.demo.today``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from mhst.core.time import service_today
from tests.browser import test_school_journey
from tests.browser.test_referral_journey import (
    EMHP,
    SCHOOL,
    SCHOOL_LEAD,
    SENIOR_CLINICIAN,
    fill_date,
)
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

TODAY_CHILD = ("Zara", "Quennell")

open_page = test_school_journey.open_page


def test_the_emhp_sees_today_opens_the_diary_and_subscribes_to_the_feed(page: Page):
    signed_in(page, EMHP)
    today = page.locator("table").filter(has=page.get_by_role("columnheader", name="Where"))
    expect(page.get_by_role("heading", name="Today's sessions")).to_be_visible()
    expect(today.get_by_role("link", name=" ".join(TODAY_CHILD))).to_be_visible()

    page.get_by_role("link", name="Diary", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Your diary")
    expect(page.locator("caption", has_text="(today)")).to_have_count(1)
    expect(page.get_by_role("link", name=" ".join(TODAY_CHILD)).first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(r"^Open .* in the diary$")).first.click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Your diary: \w+day \d+ \w+ \d{4}$"))
    expect(page.get_by_role("heading", name="Book a session on this day")).to_be_visible()
    assert_accessible(page)

    page.goto("/diary")
    page.get_by_role("link", name="Subscribe to your sessions in Outlook or on your phone").click()
    expect(page.locator("h1")).to_have_text("Your calendar feed")
    page.get_by_role("button", name=re.compile(r"^Make a (new|feed) address$")).click()
    address = page.locator("#feed-address").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{40,}\.ics", address)
    assert_accessible(page)

    response = httpx.get(address)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers
    calendar = Calendar.from_ical(response.content)
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert any(re.fullmatch(r"Session with Z\.Q\. \(C\d{6}\)", s) for s in summaries), summaries
    for name in TODAY_CHILD:
        assert name not in response.text

    # A new address stops the old one.
    page.get_by_role("button", name="Make a new address").click()
    assert httpx.get(address).status_code == 404


def test_the_team_diary_and_a_schools_visits_are_accessible(page: Page, open_page):
    signed_in(page, SENIOR_CLINICIAN)
    page.get_by_role("link", name="See the team's diary").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Team diary: "))
    expect(page.get_by_text("Z.Q.").first).to_be_visible()
    expect(page.get_by_text("Zara")).to_have_count(0)
    assert_accessible(page)

    lead = signed_in(open_page(), SCHOOL_LEAD)
    lead.get_by_role("link", name="See the team's visits to your school this week").click()
    expect(lead.locator("h1")).to_have_text(f"Visits to {SCHOOL}")
    assert_accessible(lead)


def test_a_timed_group_session_is_in_the_diary_and_one_over_a_session_is_refused(page: Page):
    """The demo's Worry busters group first met at 12:30 for 45 minutes in the Wellbeing
    room (``mhst.demo.teamwork``); a session of it recorded over one of Jordan's 1:1
    sessions on a later day is refused."""
    signed_in(page, EMHP)
    page.goto("/groups/")
    page.get_by_role("link", name="Worry busters").click()
    group_url = page.url
    headers = page.locator("table").filter(has_text="Participant").locator("th")
    met_on = [
        datetime.strptime(found[0], "%d %B %Y").date()
        for found in (re.search(r"\d{1,2} \w+ \d{4}", text) for text in headers.all_inner_texts())
        if found
    ]
    page.goto(f"/diary/day?date={met_on[0].isoformat()}")
    row = page.locator("tr").filter(has_text="Group session: Worry busters")
    expect(row).to_contain_text("12:30 to 13:15")
    expect(row).to_contain_text("Wellbeing room")

    day, starts = _a_past_one_to_one(page, after=met_on[0], besides=met_on)
    page.goto(group_url)
    page.get_by_role("button", name="Record a session").click()
    fill_date(page, "Date of the session", day)
    page.get_by_label("Start time (optional)").fill(starts)
    page.get_by_label("Topic (optional)").fill("Worry time")
    page.get_by_role("button", name="Record session").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        f"You already have a session from {starts} to "
    )
    expect(page.get_by_label("Start time (optional)")).to_have_value(starts)
    expect(page.get_by_label("Topic (optional)")).to_have_value("Worry time")
    assert_accessible(page)


def _a_past_one_to_one(page: Page, *, after: date, besides: list[date]) -> tuple[date, str]:
    """The day and start time of one of the signed-in EMHP's 1:1 sessions after ``after``
    and before today, on a day the group did not meet (read from their day diaries)."""
    day = after
    while (day := day + timedelta(days=1)) < service_today():
        if day in besides:
            continue
        page.goto(f"/diary/day?date={day.isoformat()}")
        sessions = page.locator("tr").filter(has_text="1:1 session")
        rows = sessions.filter(has_not_text=re.compile("Cancelled")).all_inner_texts()
        if rows:
            return day, re.match(r"\s*(\d\d:\d\d) to", rows[0])[1]
    raise AssertionError("the demo EMHP has no 1:1 session after the group first met")
