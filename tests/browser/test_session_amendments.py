"""Issue 12 in a real browser: a session's notes are amended, never overwritten.

The demo EMHP logs a session for a child allocated to them, then amends its notes with
a reason; the sessions page shows the amended notes, "Amended on ... by ...", and the
earlier version behind "Show earlier version"; the child's timeline shows the same. Each
page passes axe. The child is invented for this file and found by name; the session's
time is one no other browser test uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from mhst.core.time import service_today
from tests.browser import test_referral_journey
from tests.browser.test_casework_journey import (
    EMHP_NAME,
    flash,
    long_day,
    main_menu,
    open_case_from_caseload,
    referred_with_consent_and_accepted,
    short_day,
)
from tests.browser.test_referral_journey import (
    EMHP,
    SENIOR_CLINICIAN,
    Child,
    fill_date,
    row_of,
)
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import signed_in

pytestmark = pytest.mark.browser

open_page = test_referral_journey.open_page

CHILD = Child("Juniper", "Ashcombe", 11, "Year 6")
TIME = "16:05"
NOTE = "Juniper drew her worry as a storm cloud and rated it 7 out of 10."
AMENDED = "Juniper drew her worry as a storm cloud and rated it 6 out of 10."
REASON = "The rating was typed wrongly: she chose 6"


def allocate_to_the_emhp(senior: Page) -> None:
    main_menu(senior, "Waiting list")
    row_of(senior, CHILD).get_by_role("link", name=f"Allocate {CHILD.name}", exact=True).click()
    senior.get_by_role("radio", name=EMHP_NAME, exact=True).check()
    senior.get_by_role("button", name="Allocate").click()
    expect(flash(senior)).to_contain_text(f"allocated to {EMHP_NAME}")


def log_a_session_with_notes(emhp: Page, on) -> None:
    emhp.get_by_role("button", name="Log a session").click()
    fill_date(emhp, "Date", on)
    emhp.get_by_label("Start time").fill(TIME)
    emhp.get_by_label("Length in minutes").fill("45")
    emhp.get_by_role("group", name="What happened?").get_by_role(
        "radio", name="Attended", exact=True
    ).check()
    emhp.get_by_role("group", name="Who attended?").get_by_role(
        "radio", name="The child or young person", exact=True
    ).check()
    emhp.get_by_label("Clinical notes").fill(NOTE)
    emhp.get_by_role("group", name="Was a new risk raised?").get_by_role(
        "radio", name="No", exact=True
    ).check()
    emhp.get_by_role("button", name="Log session").click()
    expect(flash(emhp)).to_contain_text(f"Session on {long_day(on)} at {TIME} logged")


def test_a_session_note_is_amended_and_its_earlier_version_read(
    page: Page, open_page: Callable[[], Page]
):
    today = service_today()
    emhp = signed_in(page, EMHP)
    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    referred_with_consent_and_accepted(emhp, senior, CHILD, today - timedelta(days=5))
    allocate_to_the_emhp(senior)

    row = open_case_from_caseload(emhp, CHILD)
    row.get_by_role("link", name=f"Sessions of {CHILD.name}").click()
    expect(emhp.locator("h1")).to_have_text("Sessions")
    held_on = today - timedelta(days=2)
    log_a_session_with_notes(emhp, held_on)

    # The notes have an Amend link, not a form that overwrites them.
    notes = emhp.locator(".nhsuk-summary-list__row").filter(
        has=emhp.get_by_text("Clinical notes", exact=True)
    )
    expect(notes).to_contain_text(NOTE)
    notes.get_by_role(
        "link", name=f"Amend clinical notes of the session on {short_day(held_on)}"
    ).click()
    expect(emhp.locator("h1")).to_have_text("Amend the session notes")
    expect(emhp.get_by_label("Amended session notes")).to_have_value(NOTE)
    assert_accessible(emhp)

    # No reason: refused, with what was typed kept.
    emhp.get_by_label("Amended session notes").fill(AMENDED)
    emhp.get_by_role("button", name="Save amendment").click()
    expect(emhp).to_have_title(re.compile(r"^Error: "))
    expect(emhp.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter why you are making this amendment"
    )
    expect(emhp.get_by_label("Amended session notes")).to_have_value(AMENDED)
    assert_accessible(emhp)
    emhp.get_by_label("Why are you amending it?").fill(REASON)
    emhp.get_by_role("button", name="Save amendment").click()

    expect(emhp.locator("h1")).to_have_text("Sessions")
    expect(flash(emhp)).to_contain_text("Session notes amended (version 2)")
    notes = emhp.locator(".nhsuk-summary-list__row").filter(
        has=emhp.get_by_text("Clinical notes", exact=True)
    )
    expect(notes).to_contain_text(AMENDED)
    expect(notes).to_contain_text(f"by {EMHP_NAME}: {REASON}")
    earlier = notes.locator("details")
    expect(earlier.get_by_text(NOTE)).to_be_hidden()
    earlier.get_by_text("Show earlier version").click()
    expect(earlier.get_by_text(NOTE)).to_be_visible()
    expect(earlier).to_contain_text("Version 1 (as first written)")
    assert_accessible(emhp)

    # The child's timeline shows the amended notes and the earlier version too.
    emhp.get_by_role("link", name=f"Back to {CHILD.name}'s record").click()
    expect(emhp.locator("h1")).to_have_text(CHILD.name)
    session_row = emhp.locator("table tbody tr").filter(has_text=AMENDED)
    expect(session_row).to_have_count(1)
    expect(session_row).to_contain_text("Amended on")
    session_row.get_by_text("Show earlier version").click()
    expect(session_row.get_by_text(NOTE)).to_be_visible()
    assert_accessible(emhp)
