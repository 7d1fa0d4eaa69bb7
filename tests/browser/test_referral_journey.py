"""Issue 4's "Done when" in a real browser: consent-gated referrals and triage.

A school's Mental Health Lead refers a pupil through the form; an EMHP records a parent's
consent; the senior clinician triages from the queue (accepts onto the waiting list, or
signposts to services from the directory that fit the child); a positive risk screen
shows the urgent routes and puts the referral at the top of the queue until its risk is
reviewed; withdrawing consent closes the referral and stops all further work.

The live server is shared by every browser test (the demo referrals and other tests'
children are there too), so each test refers its own invented children, finds them by
name, and never relies on an id or on what else is in a list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from mhst.core.time import service_today
from tests.browser import test_school_journey
from tests.browser.test_roles import assert_accessible, assert_js_enabled
from tests.browser.test_school_journey import signed_in, summary_value

pytestmark = pytest.mark.browser

SCHOOL_LEAD = "school.lead@mhst.example"
EMHP = "emhp@mhst.example"
SENIOR_CLINICIAN = "senior.clinician@mhst.example"
SCHOOL = "Brookfield Primary School"  # the demo lead's school, in Leicester City
REFERENCE = re.compile(r"R\d{6}")

# Pages for the other people in a journey, each in its own context and guarded as ``page``
# is (only the live server, no CSP violation, no broken resource).
open_page = test_school_journey.open_page


@dataclass(frozen=True)
class Child:
    """An invented pupil at the demo lead's school, and the parent the school names."""

    given: str
    family: str
    age: int
    year_group: str
    gender: str = "Female"
    parent: str = ""

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"

    @property
    def parent_name(self) -> str:
        return self.parent or f"Morgan {self.family}"

    @property
    def date_of_birth(self) -> date:
        """A month past their birthday, so ``age`` holds all test long."""
        return service_today() - timedelta(days=int(self.age * 365.25) + 30)


# ---- helpers: what people do on the pages ----------------------------------------------


def fill_date(page: Page, legend: str, value: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def fill_referral(page: Page, child: Child, *, risks: tuple[str, ...] = ("None of these",)) -> None:
    """Answer every required question of the referral form, as a lead types them."""
    page.get_by_label("First name", exact=True).fill(child.given)
    page.get_by_label("Last name", exact=True).fill(child.family)
    fill_date(page, "Date of birth", child.date_of_birth)
    page.get_by_label("Year group").select_option(label=child.year_group)
    page.get_by_role("radio", name=child.gender, exact=True).check()
    page.get_by_label("Parent or carer's full name").fill(child.parent_name)
    page.get_by_label("Their relationship to the child").fill("Mother")
    page.get_by_label("Phone number", exact=True).fill("01632 960456")
    page.get_by_role("checkbox", name="Worry", exact=True).check()
    page.get_by_role("checkbox", name="Sleep difficulties", exact=True).check()
    page.get_by_label("What have you noticed?").fill(
        f"{child.given} has been anxious before school most mornings this term."
    )
    page.get_by_role("radio", name="1 to 3 months", exact=True).check()
    page.get_by_role(
        "radio", name="Quite a lot: it gets in the way of school, home or friends"
    ).check()
    page.get_by_label("What has been tried already?").fill(
        "Weekly check-ins with the pastoral lead."
    )
    for risk in risks:
        page.get_by_role("checkbox", name=risk, exact=True).check()
    if risks != ("None of these",):
        page.get_by_label("Tell us more about any risk (optional)").fill(
            "Marks seen on an arm in PE yesterday; safeguarding lead told the same day."
        )
    page.get_by_role(
        "checkbox", name="I have discussed this child with the Mental Health Support Team"
    ).check()
    page.get_by_role("radio", name="Yes, the child agrees to the referral").check()


def refer(lead: Page, child: Child, *, risks: tuple[str, ...] = ("None of these",)) -> str:
    """The lead refers ``child`` from their referrals page; returns the reference shown."""
    lead.goto("/referrals/")
    lead.get_by_role("button", name="Refer a child").click()
    expect(lead).to_have_url(re.compile(r"/referrals/new$"))
    fill_referral(lead, child, risks=risks)
    lead.get_by_role("button", name="Send referral").click()
    expect(lead).to_have_url(re.compile(r"/referrals/\d+/submitted$"))
    expect(lead.locator("h1")).to_have_text("Referral sent")
    panel = lead.locator(".nhsuk-panel")
    expect(panel).to_contain_text(REFERENCE)
    match = REFERENCE.search(panel.inner_text())
    assert match
    return match[0]


def row_of(page: Page, child: Child) -> Locator:
    """The row of the page's table whose child is ``child``."""
    link = page.get_by_role("link", name=child.name, exact=True)
    return page.locator("main table tbody tr").filter(has=link)


def main_menu_link(page: Page, name: str) -> Locator:
    """A main menu link, once the page's script has folded the menu (a click made before
    can miss: the link moves under it)."""
    assert_js_enabled(page)
    return page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name)


def open_referral(page: Page, child: Child) -> None:
    """Open the child's referral from the Referrals page (newest first)."""
    main_menu_link(page, "Referrals").click()
    row = row_of(page, child)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=child.name, exact=True).click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(page.locator("h1")).to_have_text(child.name)


def record_parent_consent(emhp: Page, child: Child, given_by: str) -> None:
    """The EMHP records a parent's consent, given by phone today."""
    open_referral(emhp, child)
    emhp.get_by_role("button", name="Record consent").click()
    expect(emhp.locator("h1")).to_have_text("Record consent")
    emhp.get_by_role("radio", name="Parent or carer", exact=True).check()
    emhp.get_by_label("Their relationship to the child").fill("Father")
    emhp.get_by_label("Name of the person giving consent").fill(given_by)
    fill_date(emhp, "Date consent was given", service_today())
    emhp.get_by_role("radio", name="By phone", exact=True).check()
    emhp.get_by_role("button", name="Save consent").click()
    expect(emhp).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(emhp.locator("main")).to_contain_text(
        "Consent recorded. The referral is ready for triage"
    )


def open_triage_queue(senior: Page) -> None:
    main_menu_link(senior, "Triage").click()
    expect(senior).to_have_url(re.compile(r"/referrals/triage$"))
    expect(senior.locator("h1")).to_have_text("Triage queue")


def history_row(page: Page, what: str) -> Locator:
    """The staff history's rows whose "What happened" is ``what``."""
    table = page.locator("table").filter(has=page.get_by_role("columnheader", name="What happened"))
    return table.locator("tbody tr").filter(has=page.get_by_role("cell", name=what, exact=True))


def list_under(page: Page, heading: str) -> Locator:
    """The first list after the h2 ``heading``."""
    return page.locator(f"xpath=//h2[normalize-space()='{heading}']/following-sibling::ul[1]")


def proposed_ages_fit(ages: str, age: int) -> bool:
    """Whether a directory entry's age text ("5 to 18", "Up to 18", "16 and over",
    "18 +", "All age") includes ``age``."""
    if span := re.search(r"(\d+)\s*(?:to|-)\s*(\d+)", ages):
        return int(span[1]) <= age <= int(span[2])
    if upper := re.search(r"up to (\d+)", ages, re.IGNORECASE):
        return age <= int(upper[1])
    if lower := re.search(r"(\d+)\s*(?:and over|\+)", ages):
        return age >= int(lower[1])
    return True  # "All age"


def assert_no_team_details(lead: Page) -> None:
    """The lead's page shows what the school sent and the status, not the team's record:
    no history reasons, who did what, consent details, eligibility or team actions."""
    main = lead.locator("main")
    expect(lead.get_by_role("columnheader", name="Who")).to_have_count(0)
    expect(lead.get_by_role("columnheader", name="Reason or details")).to_have_count(0)
    expect(lead.get_by_role("heading", name="Eligibility")).to_have_count(0)
    expect(lead.get_by_role("heading", name="Consent", exact=True)).to_have_count(0)
    expect(main).not_to_contain_text("Recorded by")
    expect(main).not_to_contain_text("No consent recorded yet")  # the history's reason
    expect(main).not_to_contain_text("Referred by: School Mental Health Lead")
    for action in ("Record consent", "Triage this referral", "Review risk"):
        expect(lead.get_by_role("button", name=action)).to_have_count(0)
        expect(lead.get_by_role("link", name=action)).to_have_count(0)


# ---- the journeys ----------------------------------------------------------------------


def test_a_school_lead_refers_a_child_who_then_waits_for_consent(page: Page):
    child = Child("Juniper", "Testwell", 10, "Year 5")
    lead = signed_in(page, SCHOOL_LEAD)
    lead.goto("/referrals/")
    lead.get_by_role("button", name="Refer a child").click()
    expect(lead.locator("h1")).to_have_text("Refer a child")
    assert_accessible(lead)

    # Sent blank: every missing answer is listed, and the title says there is an error.
    lead.get_by_role("button", name="Send referral").click()
    expect(lead).to_have_title(re.compile(r"^Error: "))
    summary = lead.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    for message in (
        "Enter the child's first name",
        "Enter the child's date of birth",
        "Select what the child needs help with",
        "Select any risks, or select 'None of these'",
        "Discuss the child with the Mental Health Support Team before you refer",
    ):
        expect(summary.get_by_role("link", name=message)).to_have_count(1)
    assert_accessible(lead)

    # Filled in and sent.
    fill_referral(lead, child)
    lead.get_by_role("button", name="Send referral").click()
    expect(lead).to_have_url(re.compile(r"/referrals/\d+/submitted$"))
    expect(lead.locator("h1")).to_have_text("Referral sent")
    expect(lead.locator(".nhsuk-panel")).to_contain_text(REFERENCE)
    expect(lead.locator("main")).to_contain_text(f"The referral for {child.name} at {SCHOOL}")
    expect(lead.get_by_role("heading", name="Urgent help")).to_have_count(0)
    assert_accessible(lead)

    # The school's referrals: waiting for consent.
    main_menu_link(lead, "Referrals").click()
    expect(lead.locator("h1")).to_have_text("Your school's referrals")
    row = row_of(lead, child)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Awaiting consent")
    row.get_by_role("link", name=child.name, exact=True).click()

    # The lead's page: where it has got to, and none of the team's details.
    expect(lead.locator("h1")).to_have_text(child.name)
    expect(summary_value(lead, "Status")).to_have_text("Awaiting consent")
    expect(summary_value(lead, "Consent")).to_have_text("Waiting for consent")
    expect(summary_value(lead, "Next appointment")).to_have_text("None booked yet")
    expect(lead.get_by_role("heading", name="What your school told the team")).to_be_visible()
    assert_no_team_details(lead)
    assert_accessible(lead)


def test_an_emhp_records_a_parents_consent(page: Page, open_page: Callable[[], Page]):
    child = Child("Bramble", "Quillfeather", 8, "Year 3", gender="Male")
    refer(signed_in(page, SCHOOL_LEAD), child)

    emhp = signed_in(open_page(), EMHP)
    open_referral(emhp, child)
    expect(emhp.locator("main")).to_contain_text("No consent has been recorded yet")
    record_parent_consent(emhp, child, given_by="Dashiell Quillfeather")

    expect(emhp.locator("main p strong.nhsuk-tag").first).to_have_text("Ready for triage")
    consent = history_row(emhp, "Consent recorded")
    expect(consent).to_have_count(1)
    expect(consent).to_contain_text("Parent or carer: Dashiell Quillfeather (Father), by phone")
    expect(consent).to_contain_text("Jordan Patel")
    expect(history_row(emhp, "Awaiting consent to ready for triage")).to_have_count(1)
    assert_accessible(emhp)

    # The lead learns that consent is recorded, but not who gave it.
    page.goto("/referrals/")
    row_of(page, child).get_by_role("link", name=child.name, exact=True).click()
    expect(summary_value(page, "Consent")).to_have_text("Consent recorded")
    expect(summary_value(page, "Status")).to_have_text("Ready for triage")
    expect(page.locator("main")).not_to_contain_text("Dashiell")
    assert_no_team_details(page)

    # The consent form, empty and sent blank (consent can still be added to an open referral).
    emhp.get_by_role("button", name="Record consent").click()
    expect(emhp.locator("h1")).to_have_text("Record consent")
    assert_accessible(emhp)
    emhp.get_by_role("button", name="Save consent").click()
    expect(emhp).to_have_title(re.compile(r"^Error: "))
    summary = emhp.locator(".nhsuk-error-summary")
    for message in ("Select who gave consent", "Enter the date consent was given"):
        expect(summary.get_by_role("link", name=message)).to_have_count(1)
    assert_accessible(emhp)


def test_the_senior_clinician_accepts_a_referral_onto_the_waiting_list(
    page: Page,
    open_page: Callable[[], Page],
):
    child = Child("Wren", "Ottersley", 11, "Year 6")
    refer(signed_in(page, SCHOOL_LEAD), child)
    record_parent_consent(signed_in(open_page(), EMHP), child, given_by="Rufus Ottersley")

    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    open_triage_queue(senior)
    row = row_of(senior, child)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ready for triage")
    expect(row).not_to_contain_text("Same-day review")
    assert_accessible(senior)

    row.get_by_role("link", name=re.compile(r"^Triage referral R\d+")).click()
    expect(senior.locator("h1")).to_have_text(re.compile(r"^Triage referral R\d{6}$"))
    expect(senior.locator("main")).to_contain_text("Valid consent: parent or carer")
    assert_accessible(senior)
    senior.get_by_role("radio", name="Accept onto the waiting list").check()
    senior.get_by_role("button", name="Save decision").click()

    expect(senior).to_have_url(re.compile(r"/referrals/triage$"))
    expect(senior.locator("main")).to_contain_text(
        re.compile(r"Referral R\d{6} accepted onto the waiting list")
    )
    expect(row_of(senior, child)).to_have_count(0)

    main_menu_link(senior, "Waiting list").click()
    expect(senior.locator("h1")).to_have_text("Waiting list")
    waiting = row_of(senior, child)
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(SCHOOL)
    today = service_today()
    expect(waiting).to_contain_text(f"Date accepted {today.day} {today:%B %Y}")
    assert_accessible(senior)


def test_the_senior_clinician_signposts_to_services_that_fit_the_child(
    page: Page,
    open_page: Callable[[], Page],
):
    child = Child("Tamsin", "Greywether", 9, "Year 4")
    lead = signed_in(page, SCHOOL_LEAD)
    refer(lead, child)

    # Signposting needs no consent: the senior clinician triages straight away.
    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    open_triage_queue(senior)
    row = row_of(senior, child)
    expect(row).to_contain_text("No consent yet")
    row.get_by_role("link", name=re.compile(r"^Triage referral R\d+")).click()
    expect(senior.get_by_role("heading", name="No valid consent")).to_be_visible()

    # Every service proposed fits a 9-year-old at a Leicester City school.
    services = senior.get_by_role("group", name="Services that fit this child")
    options = services.get_by_role("checkbox")
    expect(options.first).to_be_visible()
    names = [name.strip() for name in services.locator("label").all_inner_texts()]
    hints = services.locator(".nhsuk-checkboxes__hint").all_inner_texts()
    assert len(names) == len(hints) == options.count()
    assert "City Early Intervention Psychology Support (CEIPS)" in names, names
    assert "Low intensity CBT Service - CYP Well-being Practitioner" in names, names
    for not_fitting in (
        "Leicestershire Educational Psychology Service (LEPS)",  # the county only
        "NHS Talking Therapies",  # 16 and over
        "University Mental Health Neighbourhood Cafes",  # 18 +
        "Teen Health - health topics directory",  # 11 to 19
        "PAUSE Service - (Psychological Awareness of Unusual and Sensory Experiences). "
        "At Risk Mental State team",  # psychosis, 14 to 35: not this child's needs
    ):
        assert not_fitting not in names, names
    for name, hint in zip(names, hints, strict=True):
        match = re.search(r"Area: (.*)\. Ages: (.*)\.$", hint.strip())
        assert match, f"{name}: {hint!r}"
        area, ages = match[1], match[2]
        assert proposed_ages_fit(ages, child.age), f"{name} is for ages {ages!r}"
        assert not re.search(r"\b(18|16) and over\b|18 ?\+", ages), f"{name}: {ages!r}"
        assert area.strip() not in ("County", "Rutland", "County & Rutland"), f"{name}: {area}"
    assert_accessible(senior)

    chosen = "City Early Intervention Psychology Support (CEIPS)"
    senior.get_by_role("radio", name="Signpost to other services").check()
    senior.get_by_label("Reason for the decision").fill(
        "Worry at school that the city's early intervention psychologists can help with."
    )
    services.get_by_role("checkbox", name=chosen, exact=True).check()
    senior.get_by_role("button", name="Save decision").click()
    expect(senior).to_have_url(re.compile(r"/referrals/triage$"))
    expect(senior.locator("main")).to_contain_text(re.compile(r"Referral R\d{6} signposted to "))
    expect(senior.locator("main")).to_contain_text(f"signposted to {chosen}")
    expect(row_of(senior, child)).to_have_count(0)

    # The team's page lists the service, and the history the decision and its reason.
    open_referral(senior, child)
    expect(list_under(senior, "Services signposted or stepped up to")).to_have_text(chosen)
    signposted = history_row(senior, "Awaiting consent to signposted")
    expect(signposted).to_contain_text("city's early intervention psychologists")

    # The school sees the suggestion, not the clinician's reason.
    lead.goto("/referrals/")
    expect(row_of(lead, child)).to_contain_text("Signposted")
    row_of(lead, child).get_by_role("link", name=child.name, exact=True).click()
    expect(list_under(lead, "Services suggested for the family")).to_have_text(chosen)
    expect(lead.locator("main")).not_to_contain_text("early intervention psychologists")
    assert_no_team_details(lead)
    assert_accessible(lead)


def test_a_positive_risk_screen_goes_to_the_top_of_the_queue_until_reviewed(
    page: Page,
    open_page: Callable[[], Page],
):
    child = Child("Linnet", "Harrowgate", 10, "Year 5")
    lead = signed_in(page, SCHOOL_LEAD)
    refer(lead, child, risks=("Self-harm",))
    urgent = lead.locator(".nhsuk-card").filter(has=lead.get_by_role("heading", name="Urgent help"))
    expect(urgent).to_have_count(1)
    for route in ("999", "NHS 111", "CAMHS Crisis"):
        expect(urgent).to_contain_text(route)
    expect(lead.locator("main")).to_contain_text(
        "flagged for a same-day review by a senior clinician"
    )
    assert_accessible(lead)

    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    open_triage_queue(senior)
    expect(senior.locator("main")).to_contain_text("need a same-day risk review")
    rows = senior.locator("main table tbody tr")
    names = [name.strip() for name in rows.locator("td:nth-child(2) a").all_inner_texts()]
    days = [int(text.split()[-1]) for text in rows.locator("td:nth-child(5)").all_inner_texts()]
    flags = rows.locator("td:nth-child(7)").all_inner_texts()
    # Waiting for a same-day review: due today, or overdue once its UK day has ended.
    flagged = ["Same-day review" in text or "Overdue: received on" in text for text in flags]
    position = names.index(child.name)
    queue = list(zip(names, days, flagged, strict=True))
    assert flagged[position], queue
    assert days[position] == 0, queue  # received today: the newest
    # At the top: only referrals also waiting for a same-day review come before it (the
    # demo's Kai Brennard, received yesterday, is one: among them the oldest is first),
    # and it is above every other referral, though they were received before it.
    assert all(flagged[:position]), queue
    assert "Overdue: received on" in flags[names.index("Kai Brennard")], queue
    below = queue[position + 1 :]
    assert below, queue
    assert not any(flag for _, _, flag in below), queue
    assert any(age > 0 for _, age, _ in below), queue
    expect(rows.nth(position)).to_contain_text("Same-day review")
    assert_accessible(senior)

    rows.nth(position).get_by_role("link", name=re.compile(r"^Review risk")).click()
    expect(senior.locator("h1")).to_have_text("Same-day risk review")
    assert_accessible(senior)
    senior.get_by_label("What did you find and what did you do?").fill(
        "Spoke to the parent and the school's safeguarding lead: safe today, safety plan agreed."
    )
    senior.get_by_role("button", name="Record the risk review").click()
    expect(senior).to_have_url(re.compile(r"/referrals/triage$"))
    expect(senior.locator("main")).to_contain_text(
        re.compile(r"Risk review of referral R\d{6} recorded")
    )
    reviewed = row_of(senior, child)
    expect(reviewed).to_have_count(1)
    expect(reviewed).not_to_contain_text("Same-day review")
    expect(reviewed.get_by_role("link", name=re.compile(r"^Review risk"))).to_have_count(0)

    open_referral(senior, child)
    expect(senior.get_by_role("heading", name="Urgent help")).to_have_count(0)
    expect(history_row(senior, "Risk reviewed")).to_contain_text("safety plan agreed")


def test_withdrawing_consent_stops_all_further_work(
    page: Page,
    open_page: Callable[[], Page],
):
    child = Child("Sorrel", "Blackwood-Finch", 12, "Year 7")
    refer(signed_in(page, SCHOOL_LEAD), child)
    emhp = signed_in(open_page(), EMHP)
    record_parent_consent(emhp, child, given_by="Idris Blackwood-Finch")

    # Before: the senior clinician could triage it.
    senior = signed_in(open_page(), SENIOR_CLINICIAN)
    open_referral(senior, child)
    triage_link = senior.get_by_role("button", name="Triage this referral")
    expect(triage_link).to_have_count(1)
    triage_path = triage_link.get_attribute("href")
    assert triage_path is not None
    assert triage_path.endswith("/triage")
    open_triage_queue(senior)
    expect(row_of(senior, child)).to_have_count(1)

    # The family withdraws consent. Nobody holds the case yet, so it is the senior
    # clinician's to record: the EMHP (who does not hold it) is not offered it.
    open_referral(emhp, child)
    expect(emhp.get_by_role("link", name=re.compile(r"^Withdraw consent"))).to_have_count(0)
    open_referral(senior, child)
    senior.get_by_role("link", name=re.compile(r"^Withdraw consent")).click()
    expect(senior.locator("h1")).to_have_text("Withdraw consent")
    assert_accessible(senior)
    reason = "Father phoned: the family has arranged private counselling instead."
    senior.get_by_label("Why was consent withdrawn?").fill(reason)
    senior.get_by_role("button", name="Withdraw consent").click()
    expect(senior).to_have_url(re.compile(r"/referrals/\d+$"))
    expect(senior.locator("main")).to_contain_text(
        "Consent withdrawn. The referral is closed: no further work will happen"
    )
    expect(senior.locator("main p strong.nhsuk-tag").first).to_have_text("Withdrawn")
    expect(history_row(senior, "Consent withdrawn")).to_contain_text(reason)
    expect(history_row(senior, "Ready for triage to withdrawn")).to_contain_text(reason)
    expect(senior.get_by_role("button", name="Record consent")).to_have_count(0)
    expect(senior.get_by_role("link", name=re.compile(r"^Withdraw consent"))).to_have_count(0)
    assert_accessible(senior)

    # Nothing more is offered to the senior clinician.
    open_referral(senior, child)
    expect(senior.locator("main p strong.nhsuk-tag").first).to_have_text("Withdrawn")
    for action in ("Triage this referral", "Record consent", "Review risk"):
        expect(senior.get_by_role("button", name=action)).to_have_count(0)
    open_triage_queue(senior)
    expect(row_of(senior, child)).to_have_count(0)
    senior.goto(triage_path)
    expect(senior.locator("h1")).to_have_text(re.compile(r"^Referral R\d{6} cannot be triaged$"))
    expect(senior.get_by_role("button", name="Save decision")).to_have_count(0)
    expect(senior.get_by_role("radio")).to_have_count(0)
    assert_accessible(senior)

    # The school sees it withdrawn, and not why.
    page.goto("/referrals/")
    row_of(page, child).get_by_role("link", name=child.name, exact=True).click()
    expect(summary_value(page, "Status")).to_have_text("Withdrawn")
    expect(summary_value(page, "Consent")).to_have_text("Consent withdrawn")
    expect(page.locator("main")).not_to_contain_text("private counselling")
