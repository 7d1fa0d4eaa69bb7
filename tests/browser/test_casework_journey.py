"""Issue 5's "Done when" in a real browser: casework from allocation to discharge.

A senior clinician allocates an accepted referral to the demo EMHP (Jordan Patel), seeing
each practitioner's caseload size; the EMHP finds the child on their caseload, logs an
assessment and two treatment sessions (one the child missed) and books the next one; runs
a targeted group with three referred children over two sessions; the senior clinician
records a supervision discussing the case; the school's Mental Health Lead sees the next
appointment and none of the notes; the EMHP discharges the case, which then becomes
read-only and leaves the caseload.

Sessions cannot be logged before the date a referral was received, so the children here
are the school's referrals that the team recorded with a date received five days ago
("Record a referral", who made it: the school's Mental Health Lead); the lead still sees
them as the school's own. The live server is shared by every browser test, so each child
is invented for this file, found by name, and nothing relies on an id or on what else is
in a list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from mhst.core.time import service_today
from mhst.organisation.term_dates import school_day_after
from tests.browser import test_referral_journey
from tests.browser.test_referral_journey import (
    EMHP,
    REFERENCE,
    SCHOOL,
    SCHOOL_LEAD,
    SENIOR_CLINICIAN,
    Child,
    assert_no_team_details,
    fill_date,
    fill_referral,
    open_triage_queue,
    row_of,
)
from tests.browser.test_roles import assert_accessible, assert_js_enabled
from tests.browser.test_school_journey import signed_in, summary_value

pytestmark = pytest.mark.browser

open_page = test_referral_journey.open_page

EMHP_NAME = "Jordan Patel"
SENIOR_NAME = "Sam Whitfield"
# The case followed from allocation to discharge, and two more children for the group.
CASE = Child("Marigold", "Penhallow", 12, "Year 7")
GROUP_CHILDREN = (
    Child("Tobias", "Quenby", 11, "Year 6", gender="Male"),
    Child("Saffron", "Wetherall", 10, "Year 5"),
)
GROUP = "Calm crew (Penhallow cohort)"
# A time no demo session uses, so the EMHP's sessions never overlap.
TIME = "13:25"
# Clinical notes only the team may read.
NOTE = "Marigold named the dog next door as her biggest worry and rated it 8 out of 10."
RISK_UPDATE = "No new risk: she knows to tell her form tutor if the worry gets bigger."
DECISION = "Keep going with guided self-help; review the worry scale at session four."


def long_day(value: date) -> str:
    """ "Tuesday 3 November 2026", as the session pages write a date."""
    return f"{value:%A} {value.day} {value:%B %Y}"


def short_day(value: date) -> str:
    """ "3 November 2026"."""
    return f"{value.day} {value:%B %Y}"


def timeline_row(page: Page, what: str) -> Locator:
    """The rows of the staff timeline whose "What happened" is ``what`` (the issue-4
    ``history_row`` also matches a row whose details say ``what``)."""
    table = page.locator("table").filter(has=page.get_by_role("columnheader", name="What happened"))
    what_happened = page.locator("td:nth-child(2)", has_text=re.compile(f"^{re.escape(what)}$"))
    return table.locator("tbody tr").filter(has=what_happened)


def main_menu(page: Page, link: str) -> None:
    """Follow a main menu link by its address: the header's script folds the links that do
    not fit under "More" after the page loads, so a link may be hidden by then."""
    menu = page.get_by_role("navigation", name="Main menu")
    item = menu.get_by_role("link", name=link, include_hidden=True)
    page.goto(item.first.get_attribute("href"))


def flash(page: Page) -> Locator:
    return page.locator("main")


def status_tag(page: Page) -> Locator:
    """The status tag at the top of a staff member's referral page."""
    return page.locator("main p strong.nhsuk-tag").first


# ---- helpers: what people do on the pages ----------------------------------------------


def record_school_referral(emhp: Page, child: Child, received_on: date) -> str:
    """The EMHP records a referral the school made by phone on ``received_on``, and opens
    its page; returns the reference shown."""
    main_menu(emhp, "Referrals")
    emhp.get_by_role("button", name="Record a referral").click()
    expect(emhp.locator("h1")).to_have_text("Record a referral")
    emhp.get_by_role("radio", name="School Mental Health Lead", exact=True).check()
    fill_date(emhp, "Date the referral was received", received_on)
    emhp.get_by_label("School", exact=True).select_option(label=SCHOOL)
    emhp.get_by_role("group", name="Is the child in education?").get_by_role(
        "radio", name="Yes", exact=True
    ).check()
    fill_referral(emhp, child)
    emhp.get_by_role("button", name="Record referral").click()
    expect(emhp).to_have_url(re.compile(r"/referrals/\d+/submitted$"))
    panel = emhp.locator(".nhsuk-panel")
    expect(panel).to_contain_text(REFERENCE)
    match = REFERENCE.search(panel.inner_text())
    assert match
    emhp.get_by_role("link", name="View the referral").click()
    expect(emhp.locator("h1")).to_have_text(child.name)
    return match[0]


def record_consent_given_on(emhp: Page, child: Child, given_on: date) -> None:
    """On the child's referral page, the EMHP records the parent's consent by phone."""
    assert_js_enabled(emhp)  # the header's fold can move the button from under a click
    emhp.get_by_role("button", name="Record consent").click()
    expect(emhp.locator("h1")).to_have_text("Record consent")
    emhp.get_by_role("radio", name="Parent or carer", exact=True).check()
    emhp.get_by_label("Their relationship to the child").fill("Mother")
    emhp.get_by_label("Name of the person giving consent").fill(child.parent_name)
    fill_date(emhp, "Date consent was given", given_on)
    emhp.get_by_role("radio", name="By phone", exact=True).check()
    emhp.get_by_role("button", name="Save consent").click()
    expect(emhp.locator("main")).to_contain_text(
        "Consent recorded. The referral is ready for triage"
    )


def accept_at_triage(senior: Page, child: Child) -> None:
    open_triage_queue(senior)
    row = row_of(senior, child)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile(r"^Triage referral R\d+")).click()
    senior.get_by_role("radio", name="Accept onto the waiting list").check()
    senior.get_by_role("button", name="Save decision").click()
    expect(senior.locator("main")).to_contain_text(
        re.compile(r"Referral R\d{6} accepted onto the waiting list")
    )


def referred_with_consent_and_accepted(
    emhp: Page, senior: Page, child: Child, received_on: date
) -> str:
    reference = record_school_referral(emhp, child, received_on)
    record_consent_given_on(emhp, child, received_on)
    accept_at_triage(senior, child)
    return reference


def fill_session(
    page: Page,
    on: date,
    *,
    stage: str,
    place: str | None = None,
    pathway: str | None = None,
) -> None:
    """The fields the book and log forms share (how it is held: the default, in school)."""
    fill_date(page, "Date", on)
    page.get_by_label("Start time").fill(TIME)
    page.get_by_label("Length in minutes").fill("45")
    page.get_by_role("group", name="Stage").get_by_role("radio", name=stage, exact=True).check()
    if place is not None:
        page.get_by_label("Place", exact=True).fill(place)
    if pathway is not None:
        page.get_by_label("Pathway").select_option(label=pathway)


def log_session(
    emhp: Page,
    on: date,
    *,
    stage: str,
    what_happened: str,
    who: str | None = None,
    notes: str = "",
    risk_update: str = "",
    pathway: str | None = None,
) -> None:
    emhp.get_by_role("button", name="Log a session").click()
    expect(emhp.locator("h1")).to_have_text("Log a session")
    fill_session(emhp, on, stage=stage, pathway=pathway)
    emhp.get_by_role("group", name="What happened?").get_by_role(
        "radio", name=what_happened, exact=True
    ).check()
    if who is not None:
        emhp.get_by_role("group", name="Who attended?").get_by_role(
            "radio", name=who, exact=True
        ).check()
    emhp.get_by_label("Clinical notes").fill(notes)
    emhp.get_by_role("group", name="Was a new risk raised?").get_by_role(
        "radio", name="No", exact=True
    ).check()
    emhp.get_by_label("Risk update").fill(risk_update)
    emhp.get_by_role("button", name="Log session").click()
    expect(emhp.locator("h1")).to_have_text("Sessions")
    expect(flash(emhp)).to_contain_text(f"Session on {long_day(on)} at {TIME} logged")


def past_session(emhp: Page, on: date, stage: str) -> Locator:
    """The summary list under a past session's heading on the Sessions page."""
    heading = f"{long_day(on)} at {TIME}: {stage}"
    expect(emhp.get_by_role("heading", name=heading, exact=True)).to_have_count(1)
    return emhp.locator(f"xpath=//h3[normalize-space()='{heading}']/following-sibling::dl[1]")


def open_case_from_caseload(emhp: Page, child: Child) -> Locator:
    main_menu(emhp, "Caseload")
    expect(emhp.locator("h1")).to_have_text("Your caseload")
    return row_of(emhp, child)


def record_group_session(emhp: Page, on: date, topic: str, came: list[Child]) -> None:
    emhp.get_by_role("button", name="Record a session").click()
    expect(emhp.locator("h1")).to_have_text("Record a session")
    fill_date(emhp, "Date of the session", on)
    emhp.get_by_label("Topic (optional)").fill(topic)
    who = emhp.get_by_role("group", name="Who came to the session?")
    for child in came:
        who.get_by_role("checkbox", name=child.name, exact=True).check()
    emhp.get_by_role("button", name="Record session").click()
    expect(emhp.locator("h1")).to_have_text(GROUP)
    expect(flash(emhp)).to_contain_text(f"Session on {short_day(on)} recorded.")


# ---- the journey -----------------------------------------------------------------------


def test_a_case_from_allocation_to_discharge(page: Page, open_page: Callable[[], Page]):
    today = service_today()
    received = today - timedelta(days=5)
    lead = signed_in(page, SCHOOL_LEAD)
    emhp = signed_in(open_page(), EMHP)
    senior = signed_in(open_page(), SENIOR_CLINICIAN)

    # 1. The school's referral, with a parent's consent, accepted onto the waiting list;
    # and two more children of the team for the group.
    reference = referred_with_consent_and_accepted(emhp, senior, CASE, received)
    others = {
        child: referred_with_consent_and_accepted(emhp, senior, child, received)
        for child in GROUP_CHILDREN
    }

    # 2. The senior clinician allocates the case from the waiting list, seeing caseloads.
    main_menu(senior, "Waiting list")
    expect(senior.locator("h1")).to_have_text("Waiting list")
    waiting = row_of(senior, CASE)
    expect(waiting).to_have_count(1)
    waiting.get_by_role("link", name=f"Allocate {CASE.name}", exact=True).click()
    expect(senior.locator("h1")).to_have_text(f"Allocate referral {reference}")
    expect(summary_value(senior, "Consent")).to_have_text("Valid consent recorded")
    choices = senior.get_by_role("group", name="Who should this case be allocated to?")
    radios = choices.get_by_role("radio")
    expect(radios.first).to_be_visible()
    hints = choices.locator(".nhsuk-radios__hint").all_inner_texts()
    assert len(hints) == radios.count() >= 2, hints
    for hint in hints:  # every practitioner's caseload size
        assert re.fullmatch(r".+, \d+ open cases?", hint.strip()), hints
    emhp_hint = (
        choices.locator(".nhsuk-radios__item")
        .filter(has=senior.get_by_role("radio", name=EMHP_NAME, exact=True))
        .locator(".nhsuk-radios__hint")
    )
    held = re.fullmatch(
        r"Education mental health practitioner \(EMHP\), (\d+) open cases?",
        emhp_hint.inner_text().strip(),
    )
    assert held, emhp_hint.inner_text()
    open_before = int(held[1])
    assert_accessible(senior)

    senior.get_by_role("button", name="Allocate").click()  # nobody chosen yet
    expect(senior).to_have_title(re.compile(r"^Error: "))
    expect(
        senior.locator(".nhsuk-error-summary").get_by_role("link", name="Select a practitioner")
    ).to_have_count(1)
    assert_accessible(senior)
    senior.get_by_role("radio", name=EMHP_NAME, exact=True).check()
    senior.get_by_role("button", name="Allocate").click()
    expect(senior.locator("h1")).to_have_text("Team caseloads")
    expect(flash(senior)).to_contain_text(f"Referral {reference} allocated to {EMHP_NAME}")
    team_row = senior.locator("main table tbody tr").filter(has_text=EMHP_NAME)
    expect(team_row.locator("td").nth(2)).to_have_text(f"Open cases {open_before + 1}")
    main_menu(senior, "Waiting list")
    expect(row_of(senior, CASE)).to_have_count(0)

    # 3. The EMHP finds the case on their caseload and logs its sessions.
    row = open_case_from_caseload(emhp, CASE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SCHOOL)
    expect(row).to_contain_text("No contact yet")
    expect(row).to_contain_text("None booked")
    assert_accessible(emhp)
    row.get_by_role("link", name=f"Sessions of {CASE.name}").click()
    expect(emhp.locator("h1")).to_have_text("Sessions")
    expect(emhp.locator("main")).to_contain_text(f"Allocated to {EMHP_NAME}.")
    sessions_url = emhp.url
    expect(emhp.locator("main")).to_contain_text("No sessions are booked.")
    expect(emhp.locator("main")).to_contain_text("No sessions have been logged yet.")
    assert_accessible(emhp)

    # A booking must be in the future: a past session is logged instead.
    emhp.get_by_role("button", name="Book a session").click()
    expect(emhp.locator("h1")).to_have_text("Book a session")
    fill_session(emhp, today - timedelta(days=3), stage="Assessment")
    emhp.get_by_role("button", name="Book session").click()
    expect(emhp).to_have_title(re.compile(r"^Error: "))
    expect(emhp.locator(".nhsuk-error-summary")).to_contain_text(
        "A session you book must be in the future: to record one that has happened, log it"
    )
    emhp.get_by_role("link", name="Cancel and go back to the sessions").click()

    # The log form sent with nothing typed, then with a date before the referral.
    emhp.get_by_role("button", name="Log a session").click()
    expect(emhp.locator("h1")).to_have_text("Log a session")
    assert_accessible(emhp)
    emhp.get_by_role("button", name="Log session").click()
    expect(emhp).to_have_title(re.compile(r"^Error: "))
    summary = emhp.locator(".nhsuk-error-summary")
    for message in ("Enter the start time, like 14:30", "Select what happened at the session"):
        expect(summary.get_by_role("link", name=message)).to_have_count(1)
    assert_accessible(emhp)
    fill_session(emhp, received - timedelta(days=1), stage="Assessment")
    emhp.get_by_role("group", name="What happened?").get_by_role(
        "radio", name="Attended", exact=True
    ).check()
    emhp.get_by_role("group", name="Who attended?").get_by_role(
        "radio", name="The child or young person", exact=True
    ).check()
    emhp.get_by_role("group", name="Was a new risk raised?").get_by_role(
        "radio", name="No", exact=True
    ).check()
    emhp.get_by_role("button", name="Log session").click()
    expect(summary).to_contain_text(
        "The session must be on or after the date the referral was received "
        f"({short_day(received)})"
    )
    emhp.get_by_role("link", name="Cancel and go back to the sessions").click()
    expect(emhp.locator("main")).to_contain_text("No sessions have been logged yet.")

    assessment_on = today - timedelta(days=3)
    missed_on = today - timedelta(days=2)
    treatment_on = today - timedelta(days=1)
    next_on = school_day_after(today + timedelta(days=7))  # in school: a school day
    log_session(
        emhp,
        assessment_on,
        stage="Assessment",
        what_happened="Attended",
        who="The child or young person",
        notes=NOTE,
        risk_update=RISK_UPDATE,
        pathway="Guided self-help for anxiety",
    )
    log_session(emhp, missed_on, stage="Treatment", what_happened="Did not attend")
    log_session(
        emhp,
        treatment_on,
        stage="Treatment",
        what_happened="Attended",
        who="The child or young person",
        notes="Made a worry ladder together; homework: the first step.",
    )
    emhp.get_by_role("button", name="Book a session").click()
    fill_session(emhp, next_on, stage="Treatment")
    emhp.get_by_label("Room in school").select_option(label="Wellbeing room")
    emhp.get_by_role("button", name="Book session").click()
    expect(emhp.locator("h1")).to_have_text("Sessions")
    expect(flash(emhp)).to_contain_text(f"Session on {long_day(next_on)} at {TIME} booked")

    # The Sessions page: the planned session, and the past ones with their notes.
    expect(status_tag(emhp)).to_have_text("In treatment")
    planned = emhp.locator("main table").first.locator("tbody tr")
    expect(planned).to_have_count(1)
    expect(planned).to_contain_text(short_day(next_on))
    expect(planned).to_contain_text("Wellbeing room")
    expect(planned.get_by_role("link", name=re.compile(r"^Record a cancellation"))).to_have_count(1)
    assessment = past_session(emhp, assessment_on, "assessment")
    expect(summary_value_in(assessment, "Attendance")).to_have_text("Attended")
    expect(summary_value_in(assessment, "Pathway")).to_have_text("Guided self-help for anxiety")
    expect(summary_value_in(assessment, "Clinical notes")).to_have_text(NOTE)
    missed = past_session(emhp, missed_on, "treatment")
    expect(summary_value_in(missed, "Attendance")).to_have_text("Did not attend")
    expect(summary_value_in(missed, "Who attended")).to_have_text("Nobody")
    expect(summary_value_in(missed, "Pathway")).to_have_text("Guided self-help for anxiety")
    expect(
        summary_value_in(past_session(emhp, treatment_on, "treatment"), "Attendance")
    ).to_have_text("Attended")
    assert_accessible(emhp)

    # The caseload: the last contact was yesterday, the next session is booked.
    row = open_case_from_caseload(emhp, CASE)
    expect(row.locator("td").nth(3)).to_have_text("Days since last contact 1")
    expect(row.locator("td").nth(4)).to_contain_text(
        f"{short_day(next_on)} at {TIME}, face to face in school: Wellbeing room"
    )

    # The referral page: in treatment, and the timeline lists the sessions.
    row.get_by_role("link", name=CASE.name, exact=True).click()
    expect(emhp.locator("h1")).to_have_text(CASE.name)
    expect(status_tag(emhp)).to_have_text("In treatment")
    expect(timeline_row(emhp, f"Allocated to {EMHP_NAME}")).to_have_count(1)
    expect(timeline_row(emhp, "Assessment session: attended")).to_contain_text(NOTE)
    expect(timeline_row(emhp, "Treatment session: did not attend")).to_have_count(1)
    expect(timeline_row(emhp, "Treatment session: attended")).to_have_count(1)
    expect(timeline_row(emhp, "Treatment session planned")).to_contain_text("Wellbeing room")
    assert_accessible(emhp)

    # 4. A targeted group at the school with three referred children, over two sessions.
    main_menu(emhp, "Groups")
    expect(emhp.locator("h1")).to_have_text("Groups")
    emhp.get_by_role("button", name="Set up a group").click()
    expect(emhp.locator("h1")).to_have_text("Set up a group")
    emhp.get_by_label("Name of the group").fill(GROUP)
    emhp.get_by_role("radio", name="Targeted", exact=True).check()
    emhp.get_by_role("radio", name="Children and young people", exact=True).check()
    emhp.get_by_label("Which school is the group at?").select_option(label=SCHOOL)
    facilitators = emhp.get_by_role("group", name="Facilitators")
    expect(facilitators.get_by_role("checkbox", name=re.compile(f"^{EMHP_NAME}, "))).to_be_checked()
    emhp.get_by_label("How many sessions are planned?").fill("6")
    emhp.get_by_label("Description (optional)").fill(
        "Six weekly sessions on noticing worry and climbing a worry ladder."
    )
    emhp.get_by_role("button", name="Set up group").click()
    expect(emhp.locator("h1")).to_have_text(GROUP)
    expect(flash(emhp)).to_contain_text(f"Group '{GROUP}' set up. Add its participants next.")
    expect(summary_value(emhp, "Counts towards access")).to_contain_text(
        re.compile(r"^\s*No\. It does not count towards access yet")
    )

    references = {CASE: reference, **others}
    for child, child_reference in references.items():
        emhp.get_by_role("button", name="Add a participant").click()
        expect(emhp.locator("h1")).to_have_text("Add a participant")
        emhp.get_by_label("Child or young person").select_option(
            label=f"{child.name}, {SCHOOL}, {child_reference}"
        )
        emhp.get_by_role("button", name="Add to group").click()
        expect(emhp.locator("h1")).to_have_text(GROUP)
        expect(flash(emhp)).to_contain_text("A child added to the group")
    participants = emhp.locator("#participants li")
    expect(participants).to_have_count(3)
    for child in references:
        expect(participants.filter(has_text=child.name)).to_contain_text(SCHOOL)

    first_on, second_on = today - timedelta(days=2), today - timedelta(days=1)
    quenby, wetherall = GROUP_CHILDREN
    emhp.get_by_role("button", name="Record a session").click()
    assert_accessible(emhp)
    emhp.get_by_role("link", name="Cancel and go back to the group").click()
    record_group_session(emhp, first_on, "What is worry?", [CASE, quenby, wetherall])
    record_group_session(emhp, second_on, "Worry ladders", [CASE, quenby])

    table = emhp.locator("#attendance")
    headers = table.locator("thead th").all_inner_texts()
    assert [h.split("\n")[0].strip() for h in headers] == [
        "Participant",
        short_day(first_on),
        short_day(second_on),
    ], headers
    expected = {
        CASE: ["Attended", "Attended"],
        quenby: ["Attended", "Attended"],
        wetherall: ["Attended", "Did not attend"],
    }
    for child, cells in expected.items():
        attendance_row = table.locator("tbody tr").filter(
            has=emhp.get_by_role("rowheader", name=child.name, exact=True)
        )
        expect(attendance_row.locator("td")).to_have_text(cells)
    expect(summary_value(emhp, "Sessions held")).to_have_text("2 of 6 planned")
    expect(summary_value(emhp, "Counts towards access")).to_contain_text(
        re.compile(r"^\s*Yes\. It counts towards access: 3 children or young people came")
    )
    assert_accessible(emhp)

    # Each attendance is on the child's record.
    participants.get_by_role("link", name=CASE.name, exact=True).click()
    expect(emhp.locator("h1")).to_have_text(CASE.name)
    for topic in ("What is worry?", "Worry ladders"):
        expect(timeline_row(emhp, f"Attended group session '{topic}' of {GROUP}")).to_have_count(1)
    emhp.go_back()
    participants.get_by_role("link", name=wetherall.name, exact=True).click()
    expect(emhp.locator("h1")).to_have_text(wetherall.name)
    expect(
        timeline_row(emhp, f"Did not attend group session 'Worry ladders' of {GROUP}")
    ).to_have_count(1)

    # 5. The senior clinician records a supervision discussing the case.
    main_menu(senior, "Supervision")
    senior.get_by_role("button", name="Record supervision").click()
    expect(senior.locator("h1")).to_have_text("Record supervision")
    chooser = senior.get_by_label("Whose cases did you discuss?")
    option = chooser.locator("option", has_text=EMHP_NAME)
    expect(option).to_have_count(1)
    chooser.select_option(value=option.get_attribute("value"))
    senior.get_by_role("button", name="Continue").click()
    expect(senior.locator(".nhsuk-caption-l")).to_have_text(EMHP_NAME)
    assert_accessible(senior)
    case = senior.get_by_role("group", name=CASE.name, exact=True)
    expect(case).to_contain_text(f"{reference}, {SCHOOL}. Status: in treatment.")
    expect(case).to_contain_text("Last discussed in supervision: never.")
    expect(senior.get_by_label("Supervisor").locator("option:checked")).to_have_text(SENIOR_NAME)
    fill_date(senior, "Date of supervision", today)
    case.get_by_role("checkbox", name=f"Discussed {CASE.name}").check()
    case.get_by_label(f"Decision or action for {CASE.name}").fill(DECISION)
    senior.get_by_role("button", name="Save supervision record").click()
    expect(flash(senior)).to_contain_text(
        f"Supervision with {EMHP_NAME} on {short_day(today)} recorded."
    )
    expect(senior.locator("main")).to_contain_text(DECISION)

    senior.get_by_role("link", name=CASE.name, exact=True).first.click()
    expect(senior.locator("h1")).to_have_text(CASE.name)
    discussed = timeline_row(senior, f"Discussed in supervision with {EMHP_NAME}")
    expect(discussed).to_have_count(1)
    expect(discussed).to_contain_text(DECISION)

    # 6. The school's lead sees the next appointment, and none of the team's notes.
    main_menu(lead, "Referrals")
    lead.get_by_label("Status").select_option(label="In treatment")
    lead.get_by_role("button", name="Filter referrals").click()
    lead_row = row_of(lead, CASE)
    expect(lead_row).to_have_count(1)
    lead_row.get_by_role("link", name=CASE.name, exact=True).click()
    expect(lead.locator("h1")).to_have_text(CASE.name)
    expect(summary_value(lead, "Status")).to_have_text("In treatment")
    expect(summary_value(lead, "Next appointment")).to_have_text(
        f"{long_day(next_on)} at {TIME}, Wellbeing room"
    )
    assert_no_team_details(lead)
    html = lead.content()
    for secret in (NOTE, RISK_UPDATE, DECISION, "worry ladder together", EMHP_NAME, GROUP):
        assert secret not in html, f"The lead's page shows {secret!r}"
    expect(lead.get_by_role("heading", name="Timeline")).to_have_count(0)
    assert_accessible(lead)

    # 7. The EMHP discharges the case.
    open_case_from_caseload(emhp, CASE).get_by_role(
        "link", name=f"Discharge {CASE.name}", exact=True
    ).click()
    expect(emhp.locator("h1")).to_have_text(f"Discharge {CASE.name}")
    discharge_url = emhp.url
    assert_accessible(emhp)
    emhp.get_by_role("button", name="Discharge case").click()
    expect(emhp).to_have_title(re.compile(r"^Error: "))
    summary = emhp.locator(".nhsuk-error-summary")
    # No outcome measure was recorded: the EMHP must say why there is no final one.
    for message in (
        "Select why the case is being discharged",
        "Enter a closing summary",
        "Enter why final measures were not collected",
    ):
        expect(summary.get_by_role("link", name=message)).to_have_count(1)
    assert_accessible(emhp)
    emhp.get_by_role("radio", name="Goals met", exact=True).check()
    closing = (
        "Marigold met her goals: the worry is down to 3 out of 10 and she uses her ladder "
        "on her own. School to keep the weekly check-in."
    )
    emhp.get_by_label("Closing summary").fill(closing)
    no_measures = "Marigold did not want to fill in the goals form again at the last session."
    emhp.get_by_label("Why were final measures not collected?").fill(no_measures)
    emhp.get_by_role("button", name="Discharge case").click()
    expect(emhp.locator("h1")).to_have_text(CASE.name)
    expect(flash(emhp)).to_contain_text(f"Case {reference} discharged: goals met")
    expect(status_tag(emhp)).to_have_text("Discharged")
    for action in ("Discharge", "Reallocate", "Allocate", "Reopen case"):
        expect(emhp.get_by_role("button", name=action, exact=True)).to_have_count(0)
    expect(timeline_row(emhp, "Discharge summary")).to_contain_text("Reason: Goals met")
    expect(timeline_row(emhp, "Discharge summary")).to_contain_text("School to keep the weekly")
    expect(timeline_row(emhp, "Discharge summary")).to_contain_text(
        f"Final measures not collected: {no_measures}"
    )
    # The EMHP held the case when it was discharged: it stays readable to them, read-only.
    expect(emhp.get_by_role("link", name="Sessions", exact=True)).to_have_count(1)
    assert NOTE in emhp.content()
    response = emhp.goto(sessions_url)
    assert response is not None
    assert response.status == 200
    expect(emhp.locator("h1")).to_have_text("Sessions")
    for action in ("Book a session", "Log a session"):
        expect(emhp.get_by_role("button", name=action)).to_have_count(0)
    assert_accessible(emhp)
    response = emhp.goto(discharge_url)
    assert response is not None
    assert response.status == 200
    expect(emhp.locator("h1")).to_have_text(f"Case {reference} cannot be discharged")
    expect(emhp.get_by_role("button", name="Discharge case")).to_have_count(0)

    # Off the EMHP's caseload.
    expect(open_case_from_caseload(emhp, CASE)).to_have_count(0)

    # Read-only for the senior clinician, who can only reopen it: nothing can be booked or
    # logged, the booked session is cancelled, and it cannot be discharged again.
    senior.reload()
    expect(status_tag(senior)).to_have_text("Discharged")
    for action in ("Discharge", "Reallocate", "Allocate"):
        expect(senior.get_by_role("button", name=action, exact=True)).to_have_count(0)
    expect(senior.get_by_role("button", name="Reopen case", exact=True)).to_have_count(1)
    senior.get_by_role("link", name="Sessions", exact=True).click()
    expect(senior.locator("h1")).to_have_text("Sessions")
    expect(status_tag(senior)).to_have_text("Discharged")
    for action in ("Book a session", "Log a session"):
        expect(senior.get_by_role("button", name=action)).to_have_count(0)
    expect(senior.locator("main")).to_contain_text(
        "No sessions can be booked or logged. This case is discharged"
    )
    expect(senior.locator("main")).to_contain_text("No sessions are booked.")
    expect(senior.get_by_role("link", name=re.compile(r"^Change what happened"))).to_have_count(0)
    assert_accessible(senior)
    senior.goto(discharge_url)
    expect(senior.locator("h1")).to_have_text(f"Case {reference} cannot be discharged")
    expect(senior.get_by_role("button", name="Discharge case")).to_have_count(0)

    # The school sees it discharged, with nothing booked, and not the closing summary.
    lead.reload()
    expect(summary_value(lead, "Status")).to_have_text("Discharged")
    expect(summary_value(lead, "Next appointment")).to_have_text("None booked yet")
    assert closing not in lead.content()


def summary_value_in(summary: Locator, key: str) -> Locator:
    """The value in the row of a summary list (``summary``) whose key is ``key``."""
    row = summary.locator(".nhsuk-summary-list__row").filter(
        has=summary.page.get_by_text(key, exact=True)
    )
    return row.locator(".nhsuk-summary-list__value")
