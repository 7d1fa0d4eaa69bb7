"""Booking in a real browser (issue 15, the booking rules): the demo EMHP books a course
of six weekly sessions in a school room, moves one, sees a clash refused and a weekend
booking face to face in school refused; an administrator reads an area's term dates and
the EMHP a school's rooms. Every new page passes the axe checks.

The case is set up directly in the live app (a later state of the referral journey,
which tests/browser/test_referral_journey.py walks): an invented child at the demo
lead's school, allocated to the demo EMHP. Its sessions are at 14:05, a time no demo
session and no other browser test uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from mhst.core.academic_year import academic_year_of
from mhst.core.time import service_today
from mhst.organisation.term_dates import default_closures, school_day_after
from tests.browser import test_referral_journey
from tests.browser.conftest import in_live_app
from tests.browser.test_referral_journey import EMHP, SCHOOL, fill_date
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

open_page = test_referral_journey.open_page

ADMIN = "admin@mhst.example"
TIME = "14:05"
ROOM = "Library office"


def _allocated_case() -> tuple[int, int]:
    """An invented child at the demo lead's school, consented, accepted and allocated to
    the demo EMHP."""
    from sqlalchemy import select

    from mhst.accounts.models import User
    from mhst.extensions import db
    from mhst.referrals import operations
    from mhst.referrals.allocations import Allocation
    from mhst.referrals.models import ReferralStatus
    from mhst.schools.models import School
    from tests.conftest import new_referral

    emhp = db.session.scalars(select(User).filter_by(email=EMHP)).one()
    senior = db.session.scalars(select(User).filter_by(email="senior.clinician@mhst.example")).one()
    school = db.session.scalars(select(School).filter_by(name=SCHOOL)).one()
    # Received 50 days ago: outside the 15 to 40 days test_reports_journey counts.
    referral = new_referral(
        school,
        by=emhp,
        consent=True,
        child={"given_name": "Perpetua", "family_name": "Bookwell"},
        received_on=service_today() - timedelta(days=50),
    )
    operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason=None)
    operations.transition(referral, ReferralStatus.ALLOCATED, by=senior)
    db.session.add(Allocation(referral=referral, practitioner=emhp, allocated_by=senior))
    return referral.id, school.id


def is_school_day(day: date) -> bool:
    closures = default_closures(academic_year_of(day))
    return day.weekday() < 5 and not any(c.first_day <= day <= c.last_day for c in closures)


def course_start() -> date:
    """A school day at least 8 days ahead whose next five weeks are school days too."""
    for n in range(8, 300):
        day = service_today() + timedelta(days=n)
        if all(is_school_day(day + timedelta(weeks=w)) for w in range(6)):
            return day
    raise AssertionError("no six school weeks in the coming year")


def fill_booking(page: Page, on: date, *, weeks: int = 1) -> None:
    fill_date(page, "Date", on)
    page.get_by_label("Start time").fill(TIME)
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_role("group", name="Stage").get_by_role("radio", name="Treatment").check()
    page.get_by_label("Room in school").select_option(label=ROOM)
    page.get_by_label("Repeat weekly: number of weeks").fill(str(weeks))


def error_summary(page: Page):
    return page.locator(".nhsuk-error-summary")


def test_an_emhp_books_a_course_moves_a_session_and_is_refused_clashes(
    page: Page, open_page: Callable[[], Page]
):
    case_id, school_id = in_live_app(_allocated_case)
    emhp = signed_in(page, EMHP)
    book = f"/casework/cases/{case_id}/sessions/book"

    # A session face to face in school is refused on a Saturday.
    emhp.goto(book)
    expect(emhp.locator("h1")).to_have_text("Book a session")
    assert_accessible(emhp)
    saturday = service_today() + timedelta(days=8)
    saturday += timedelta(days=(5 - saturday.weekday()) % 7)
    fill_booking(emhp, saturday)
    emhp.get_by_role("button", name="Book session").click()
    expect(error_summary(emhp)).to_contain_text(f"{saturday.day} {saturday:%B %Y} is a Saturday")
    expect(error_summary(emhp)).to_contain_text("book a video or telephone session")
    assert_accessible(emhp)

    # A course of six weekly sessions, in one step.
    start = course_start()
    fill_booking(emhp, start, weeks=6)
    emhp.get_by_role("button", name="Book session").click()
    expect(emhp.locator("h1")).to_have_text("Sessions")
    expect(emhp.locator("main")).to_contain_text("6 sessions booked: ")
    planned = emhp.locator("main table").first.locator("tbody tr")
    expect(planned).to_have_count(6)
    expect(planned.first).to_contain_text(ROOM)

    # Moving the second onto the third's time is refused: the EMHP is already there.
    second, third = start + timedelta(weeks=1), start + timedelta(weeks=2)
    emhp.get_by_role("link", name=f"Reschedule the session on {second.day} {second:%B %Y}").click()
    expect(emhp.locator("h1")).to_have_text("Reschedule the session")
    assert_accessible(emhp)
    fill_date(emhp, "Date", third)
    emhp.get_by_label("Why are you making this change?").fill("The family asked")
    emhp.get_by_role("button", name="Save change").click()
    expect(error_summary(emhp)).to_contain_text(f"You already have a session from {TIME}")
    assert_accessible(emhp)

    # Moved to the next school day after it instead: saved, with its history.
    moved = school_day_after(second + timedelta(days=1))
    if moved == third:
        moved = school_day_after(second - timedelta(days=3))
    fill_date(emhp, "Date", moved)
    emhp.get_by_role("button", name="Save change").click()
    expect(emhp.locator("h1")).to_have_text("Sessions")
    expect(planned).to_have_count(6)
    expect(emhp.locator("main")).to_contain_text(f"{moved.day} {moved:%B %Y}")

    # The school's rooms, as the EMHP keeps them.
    emhp.goto(f"/schools/{school_id}")
    emhp.get_by_role("link", name=f"Rooms for sessions at {SCHOOL}").click()
    expect(emhp.locator("h1")).to_have_text("Rooms for sessions")
    expect(emhp.locator("main table")).to_contain_text(ROOM)
    assert_accessible(emhp)

    # An administrator reads an area's term dates (the default, copied by the demo).
    admin = signed_in(open_page(), ADMIN)
    admin.goto("/admin/organisation/")
    admin.get_by_role("link", name="term dates for Leicester City").click()
    expect(admin.locator("h1")).to_contain_text("Term dates: ")
    expect(admin.locator("main table")).to_contain_text("Christmas holiday")
    assert_accessible(admin)
