"""Issue 17's campaigns in a real browser: the demo clinical lead records a campaign with
a link, sends it to every school on the register (the sending job runs, in the live
server's process as the tests configure it, through a local Notify-compatible server,
tests/notify_server.py), the email's link is opened signed out and the school registers
its interest, and the clinical lead sees the registration attributed on the campaign's
page. Axe runs on each page.

The school is one of the demo register's schools not in the programme, with an office
address and no named lead or waiting registration, found in the live database.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import or_, select

from mhst.campaigns.models import Campaign, CampaignRecipient, RecipientState
from mhst.cohorts.models import Cohort, cohort_team
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.schools.models import (
    InterestRegistration,
    InterestStatus,
    ParticipationStatus,
    School,
    SchoolLeadAssignment,
)
from tests import notify_server as ns
from tests.browser.conftest import in_live_app
from tests.browser.test_referral_journey import fill_date
from tests.browser.test_roles import assert_accessible
from tests.browser.test_school_journey import ADMIN, CLINICAL_LEAD, signed_in

pytestmark = pytest.mark.browser

NAME = "Anti-Bullying Week 2026"
LINK = "https://example.org/anti-bullying-week"
NEXT_COHORT = "Cohort 2027/28"  # the demo's planned cohort (mhst/demo/planning.py)


def _a_school_to_invite() -> tuple[str, str, str]:
    """A school not in the programme, with an office address, no lead, no waiting
    registration and no team other than one of the next cohort's: (name, URN, address)."""
    leads = select(SchoolLeadAssignment.school_id).where(SchoolLeadAssignment.ended_at.is_(None))
    waiting = select(InterestRegistration.urn).where(
        InterestRegistration.status == InterestStatus.PENDING
    )
    school = db.session.scalars(
        select(School)
        .where(
            School.participation_status == ParticipationStatus.NOT_PARTICIPATING,
            School.contact_email.is_not(None),
            School.id.not_in(leads),
            School.urn.not_in(waiting),
            or_(
                School.team_id.in_(_next_cohorts_teams()),
                School.team_id.is_(None)
                & School.area_id.in_(
                    select(Team.area_id).where(Team.id.in_(_next_cohorts_teams()))
                ),
            ),
        )
        .order_by(School.urn)
        .limit(1)
    ).one()
    return school.name, school.urn, school.contact_email


def _next_cohorts_teams():
    return (
        select(cohort_team.c.team_id)
        .join(Cohort, Cohort.id == cohort_team.c.cohort_id)
        .where(Cohort.name == NEXT_COHORT)
    )


def _serving_team(urn: str) -> tuple[str, str]:
    """The school's area, and the next cohort's team that serves it: its own, or the
    cohort's team in its area."""
    school = db.session.scalars(select(School).where(School.urn == urn)).one()
    if school.team is not None:
        return school.area.name, school.team.name
    teams = db.session.scalars(select(Cohort).where(Cohort.name == NEXT_COHORT)).one().teams
    return school.area.name, next(t.name for t in teams if t.area_id == school.area_id)


def _configure(server: ns.NotifyServer) -> dict:
    from flask import current_app

    return ns.configure(current_app, server)


def _restore(old: dict) -> None:
    from flask import current_app

    current_app.config.update(old)


def _state_of(urn: str) -> tuple[RecipientState, int | None]:
    recipient = db.session.scalars(
        select(CampaignRecipient)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .join(School, School.id == CampaignRecipient.school_id)
        .where(Campaign.name == NAME, School.urn == urn)
    ).one()
    registration = db.session.scalars(
        select(InterestRegistration).where(
            InterestRegistration.urn == urn,
            InterestRegistration.campaign_id == recipient.campaign_id,
        )
    ).first()
    return recipient.state, registration.id if registration else None


@pytest.fixture
def notify_server():
    running = ns.RunningNotify()
    yield running.api
    running.stop()


def test_a_campaign_is_sent_to_every_school_and_interest_comes_from_it(page, notify_server):
    school_name, urn, address = in_live_app(_a_school_to_invite)
    lead = signed_in(page, CLINICAL_LEAD)

    # In the menu (folded under "More" on a narrow window).
    expect(lead.locator('header a[href="/campaigns"]').first).to_be_attached()
    lead.goto("/campaigns")
    expect(lead.locator("h1")).to_have_text("Campaigns to schools")
    expect(lead.locator("main table")).to_contain_text("Children's Mental Health Week 2026")
    assert_accessible(lead)

    lead.get_by_role("button", name="Record a campaign").click()
    expect(lead.locator("h1")).to_have_text("Record a campaign")
    lead.get_by_label("Campaign name").fill(NAME)
    lead.get_by_label("Theme (optional)").fill("Choose respect")
    fill_date(lead, "First day", date(2026, 11, 16))
    fill_date(lead, "Last day", date(2026, 11, 13))
    lead.get_by_label("Message to schools").fill("Resources for a week about respect.")
    lead.get_by_role("button", name="Record campaign").click()
    expect(lead).to_have_title(re.compile(r"^Error: "))
    expect(lead.locator(".nhsuk-error-summary")).to_contain_text("The last day must be")
    assert_accessible(lead)
    fill_date(lead, "Last day", date(2026, 11, 20))
    lead.get_by_role("button", name="Record campaign").click()
    expect(lead.locator("h1")).to_have_text(NAME)
    assert_accessible(lead)

    lead.get_by_role("link", name="Add a link").click()
    lead.get_by_label("Title").fill("Anti-bullying toolkit")
    lead.get_by_label("Address (starting https://)").fill(LINK)
    assert_accessible(lead)
    lead.get_by_role("button", name="Add link").click()
    expect(lead.locator("#resources ~ ul")).to_contain_text("Anti-bullying toolkit")

    lead.get_by_role("button", name="Send to schools").click()
    expect(lead.locator("h1")).to_have_text("Send to schools")
    assert_accessible(lead)
    old = in_live_app(_configure, notify_server)
    try:
        lead.get_by_role("radio", name=re.compile(r"^Every school on the register")).check()
        lead.get_by_role("button", name="Send campaign").click()
        expect(lead.locator("h1")).to_have_text("Sending a campaign to schools")
        expect(lead.locator("main .nhsuk-tag")).to_have_text("Ready")
        expect(lead.locator("#job-progress")).to_contain_text("100%")
    finally:
        in_live_app(_restore, old)
    assert_accessible(lead)
    ours = [r.json for r in notify_server.sends() if r.json["email_address"] == address]
    assert len(ours) == 1
    values = ours[0]["personalisation"]
    assert values["subject"] == NAME
    assert f"* Anti-bullying toolkit: {LINK}" in values["resources"]
    link = values["link"]
    assert "/campaign/" in link

    # The school opens its link, signed out, and registers its interest.
    lead.get_by_role("button", name="Sign out").click()
    lead.goto(link)
    expect(lead.locator("h1")).to_have_text(NAME)
    expect(lead.locator("main")).to_contain_text("Resources for a week about respect.")
    expect(lead.get_by_label("School name")).to_have_value(school_name)
    expect(lead.get_by_label("Unique reference number (URN)")).to_have_value(urn)
    assert_accessible(lead)
    assert in_live_app(_state_of, urn)[0] is RecipientState.OPENED
    lead.get_by_label("Your full name").fill("Alex Morgan")
    lead.get_by_label("Your role at the school").fill("Headteacher")
    lead.get_by_role("button", name="Register interest").click()
    expect(lead).to_have_title(re.compile(r"^Error: "))
    expect(lead.locator(".nhsuk-error-summary")).to_contain_text("Enter your email address")
    assert_accessible(lead)
    lead.get_by_label("Your email address").fill("alex.morgan@school.example")
    lead.get_by_role("button", name="Register interest").click()
    expect(lead.locator(".nhsuk-panel h1")).to_have_text("Interest registered")
    assert_accessible(lead)
    _state, registration_id = in_live_app(_state_of, urn)
    assert registration_id is not None

    # The clinical lead sees it on the campaign's page.
    lead = signed_in(lead, CLINICAL_LEAD)
    lead.goto("/campaigns")
    lead.get_by_role("link", name=NAME).click()
    expect(lead.locator("#interest ~ table").first).to_contain_text(school_name)
    expect(lead.locator("main")).to_contain_text("received it (delivered or opened)")
    assert_accessible(lead)

    # The administrator sees where the registration came from, and accepts it.
    lead.get_by_role("button", name="Sign out").click()
    admin = signed_in(lead, ADMIN)
    admin.goto("/admin/interest")
    admin.get_by_role("link", name=school_name, exact=True).click()
    origin = admin.locator(".nhsuk-summary-list__row", has_text="From campaign")
    expect(origin).to_contain_text(NAME)
    assert_accessible(admin)
    admin.get_by_role(
        "radio", name="Accept: the school joins the schools waiting for a cohort"
    ).check()
    admin.get_by_role("button", name="Save decision").click()
    expect(admin.get_by_text(f"The registration from {school_name} was accepted.")).to_be_visible()

    # The clinical lead ranks the area's waiting schools by need and adds the top one and
    # the school that came from the campaign to the next cohort.
    area, team = in_live_app(_serving_team, urn)
    admin.get_by_role("button", name="Sign out").click()
    lead = signed_in(admin, CLINICAL_LEAD)
    lead.goto("/planning/next-cohort")
    lead.get_by_label("Area", exact=True).select_option(label=area)
    lead.get_by_label(re.compile(r"Team \(its capacity")).select_option(label=team)
    lead.get_by_role("button", name="Rank the schools").click()
    expect(lead.locator(".nhsuk-inset-text")).to_contain_text(f"{team} serves")
    ranked = lead.get_by_role("table", name=re.compile("waiting school"))
    expect(ranked).to_contain_text(school_name)
    assert_accessible(lead)
    top = ranked.locator(":scope > tbody > tr").first.locator("input[type=checkbox]")
    top.check()
    lead.get_by_label(school_name, exact=True).check()
    chosen = {
        top.get_attribute("value"),
        lead.get_by_label(school_name, exact=True).get_attribute("value"),
    }
    lead.get_by_label("Cohort", exact=True).select_option(label=NEXT_COHORT)
    lead.get_by_label("MHST team that will serve them").select_option(label=team)
    lead.get_by_label("Why these schools").fill("Highest need in the area, and asked to join")
    lead.get_by_role("button", name="Add the ticked schools to the cohort").click()
    expect(lead.locator("h1")).to_have_text(NEXT_COHORT)
    count = "1 school" if len(chosen) == 1 else "2 schools"
    expect(lead.locator(".nhsuk-notification-banner")).to_contain_text(
        f"{count} added to {NEXT_COHORT}"
    )
    schools = lead.get_by_role("table", name=re.compile(r"schools? in Cohort 2027\/28"))
    expect(schools).to_contain_text(school_name)
    assert_accessible(lead)
