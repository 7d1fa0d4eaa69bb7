"""Issue 17's "ranking waiting schools by need and adding the top ones to the next
cohort" in a real browser.

The clinical lead raises the weight of deprivation, ranks the schools waiting in
Leicester City for City North MHST (its capacity shown), ticks the two of greatest need
and adds them to the planned Cohort 2027/28 with a reason; the cohort's page then lists
them, and why they were chosen. Every page is scanned with axe.

The live server is shared by every browser test: the schools here are this test's own
(URNs 9986xx), given figures of need no demo school reaches.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.need.models import SchoolNeed
from mhst.organisation.models import ServiceArea
from mhst.schools.models import ParticipationEvent, ParticipationStatus, School
from tests.browser.conftest import in_live_app
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import CLINICAL_LEAD, signed_in

pytestmark = pytest.mark.browser

S = ParticipationStatus
# (URN, name, FSM %, days since interest was registered)
WAITING = (
    ("998601", "Cinderford Road Primary School", Decimal(62), 700),
    ("998602", "Gallowtree Gate Academy", Decimal(55), 650),
    ("998603", "Hollyhock Lane School", Decimal(8), 30),
)
REASON = "The two schools of greatest need in the city, within City North's capacity"


def _waiting_schools() -> None:
    area = db.session.scalars(select(ServiceArea).filter_by(name="Leicester City")).one()
    for urn, name, fsm, days in WAITING:
        school = School(
            name=name,
            urn=urn,
            area=area,
            pupils_on_roll=350,
            participation_status=S.INTEREST_REGISTERED,
        )
        db.session.add(school)
        db.session.flush()
        db.session.add(
            SchoolNeed(
                school_id=school.id,
                fsm_percent=fsm,
                imd_decile=1 if fsm > 50 else 9,
                low_wellbeing_percent=Decimal(30),
                belonging_low_percent=Decimal(30),
                source="invented for the planner journey",
            )
        )
        db.session.add(
            ParticipationEvent(
                school=school,
                from_status=S.NOT_PARTICIPATING,
                to_status=S.INTEREST_REGISTERED,
                occurred_at=utcnow() - timedelta(days=days),
            )
        )


def test_the_lead_ranks_waiting_schools_and_adds_the_top_ones_to_the_next_cohort(page: Page):
    in_live_app(_waiting_schools)
    lead = signed_in(page, CLINICAL_LEAD)

    # The weights, explained; deprivation raised to 10.
    lead.goto("/planning/weights")
    expect(lead.locator("h1")).to_have_text("Weights of the need score")
    expect(lead.locator("main")).to_contain_text("a missing figure neither raises nor lowers it")
    assert_accessible(lead)
    lead.get_by_label(re.compile(r"Deprivation of the school's area .*weight")).fill("10")
    lead.get_by_role("button", name="Save the weights").click()
    expect(lead.locator(".nhsuk-notification-banner")).to_contain_text("The weights are saved")
    expect(lead.locator("h1")).to_have_text("Plan the next cohort")
    expect(lead.locator("main")).to_contain_text("deprivation (10)")
    assert_accessible(lead)

    # Ranked for City North MHST in Leicester City: its capacity, and the top two.
    lead.get_by_label("Area", exact=True).select_option(label="Leicester City")
    lead.get_by_label(re.compile(r"Team \(its capacity")).select_option(label="City North MHST")
    lead.get_by_role("button", name="Rank the schools").click()
    expect(lead.locator(".nhsuk-inset-text")).to_contain_text("City North MHST serves")
    ranked = lead.get_by_role("table", name=re.compile("waiting school"))
    rows = ranked.locator(":scope > tbody > tr")
    expect(rows.nth(0)).to_contain_text(WAITING[0][1])
    expect(rows.nth(1)).to_contain_text(WAITING[1][1])
    rows.nth(0).get_by_text("How this score is made").click()
    expect(rows.nth(0).get_by_role("table")).to_contain_text("Deprivation of the school's area")
    assert_accessible(lead)

    # Ticked and added, with the reason; the form refuses first without one.
    for _urn, name, _fsm, _days in WAITING[:2]:
        lead.get_by_label(name, exact=True).check()
    lead.get_by_label("Cohort", exact=True).select_option(label="Cohort 2027/28")
    lead.get_by_role("button", name="Add the ticked schools to the cohort").click()
    expect(lead.locator(".nhsuk-error-summary")).to_contain_text(
        "Give the reason these schools are joining the cohort"
    )
    expect(lead.get_by_label(WAITING[0][1], exact=True)).to_be_checked()
    assert_accessible(lead)
    lead.get_by_label("Why these schools").fill(REASON)
    lead.get_by_role("button", name="Add the ticked schools to the cohort").click()

    # The cohort's page: the schools, and why they were chosen.
    expect(lead).to_have_url(re.compile(r"/cohorts/\d+$"))
    expect(lead.locator("h1")).to_have_text("Cohort 2027/28")
    expect(lead.locator(".nhsuk-notification-banner")).to_contain_text(
        "2 schools added to Cohort 2027/28"
    )
    schools = lead.get_by_role("table", name=re.compile(r"schools? in Cohort 2027\/28"))
    for _urn, name, _fsm, _days in WAITING[:2]:
        expect(schools).to_contain_text(name)
    expect(schools).not_to_contain_text(WAITING[2][1])
    expect(lead.locator("main")).to_contain_text(REASON)
    decisions = lead.get_by_role("table", name="Schools and their need when chosen")
    expect(decisions.first).to_contain_text(WAITING[0][1])
    assert_accessible(lead)
