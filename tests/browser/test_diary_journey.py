"""Issue 15's diary in a real browser: the demo EMHP (Jordan Patel) sees today's sessions
on the home page, opens the diary's week and a day, and makes a private calendar feed
address, which the test then fetches over HTTP, as a calendar app would, and parses with
``icalendar``. The senior clinician's team diary and the school lead's view of the
team's visits are checked with axe too.

The demo always gives Jordan a session with Zara Quennell today (``mhst.demo.today``).
"""

from __future__ import annotations

import re

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.browser import test_school_journey
from tests.browser.test_referral_journey import EMHP, SCHOOL, SCHOOL_LEAD, SENIOR_CLINICIAN
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
