"""A school's Mental Health Lead's home page: their school's participation and onboarding,
the MHST team's contacts and the latest whole-school activity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from mhst.referrals.models import ReferralSource
from mhst.schools.models import LeadKind, ParticipationStatus, SchoolOnboarding
from mhst.schools.operations import ONBOARDING_ITEMS, name_lead
from mhst.wholeschool.models import (
    ActivityKind,
    ActivityPrinciple,
    Principle,
    WholeSchoolActivity,
)


@pytest.fixture
def lead(world, auth):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    return world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]


def home(client) -> BeautifulSoup:
    response = client.get("/")
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def section(soup: BeautifulSoup, heading: str) -> str:
    """The text from the h2 ``heading`` to the next h2."""
    start = soup.find("h2", string=heading)
    assert start is not None, f"no section {heading!r}"
    parts = []
    for element in start.find_next_siblings():
        if element.name == "h2":
            break
        parts.append(element.get_text(" ", strip=True))
    return " ".join(parts)


def onboarding_rows(soup: BeautifulSoup) -> dict[str, str]:
    table = soup.find("caption", string="Onboarding checklist").parent
    return {
        row.find_all("td")[0].get_text(strip=True): row.find_all("td")[1].get_text(strip=True)
        for row in table.select("tbody tr")
    }


def test_the_lead_sees_their_schools_status_and_onboarding(lead, world, client):
    world.school_a1.participation_status = ParticipationStatus.ONBOARDING
    db.session.add(
        SchoolOnboarding(
            school_id=world.school_a1.id,
            lead_capacity_confirmed=True,
            involves_children_and_families=False,
            supports_evaluation=True,
            accommodation_available=False,
            safeguarding_aligned=False,
            welcome_pack_sent_on=date(2024, 9, 1),
        )
    )
    name_lead(world.school_a1, lead, LeadKind.LEAD, by=world.users[Role.ADMINISTRATOR])
    db.session.commit()
    soup = home(client)
    programme = section(soup, "Taking part in the programme")
    assert "School A1 is Onboarding" in programme
    assert "3 of 7 onboarding items are still to do" in programme
    rows = onboarding_rows(soup)
    assert len(rows) == len(ONBOARDING_ITEMS)
    labels = {item.key: item.label for item in ONBOARDING_ITEMS}
    assert rows[labels["lead_named"]] == "Done"
    assert rows[labels["lead_capacity_confirmed"]] == "Done"
    assert rows[labels["welcome_pack_sent_on"]] == "Done"
    assert rows[labels["involves_children_and_families"]] == "To do"
    assert rows[labels["safeguarding_aligned"]] == "To do"


def test_a_school_with_nothing_done_shows_every_item_to_do(lead, client):
    soup = home(client)
    assert set(onboarding_rows(soup).values()) == {"To do"}
    assert "7 of 7 onboarding items are still to do" in section(
        soup, "Taking part in the programme"
    )


def test_the_lead_sees_their_teams_practitioners_and_no_one_else(lead, world, client, make_user):
    make_user(
        Role.SENIOR_CLINICIAN,
        team=world.team_a,
        full_name="Ana Senior",
        email="ana@team-a.example",
    )
    make_user(Role.EMHP, team=world.team_a, full_name="Gone Away", active=False)
    make_user(Role.EMHP, team=world.team_b, full_name="Bea Other-Team")
    make_user(Role.SENIOR_CLINICIAN, team=world.team_b, full_name="Ben Other-Team")
    soup = home(client)
    team = section(soup, "Your Mental Health Support Team")
    assert "Team A works with your school." in team
    table = soup.find("caption", string="Who to contact in Team A").parent
    contacts = [
        tuple(td.get_text(strip=True) for td in row.find_all("td"))
        for row in table.select("tbody tr")
    ]
    senior = world.users[Role.SENIOR_CLINICIAN]
    emhp = world.users[Role.EMHP]
    assert contacts == [
        ("Ana Senior", "Senior clinician", "ana@team-a.example"),
        (senior.full_name, "Senior clinician", senior.email),
        (emhp.full_name, "Education mental health practitioner (EMHP)", emhp.email),
    ]
    assert table.find("a", href=f"mailto:{emhp.email}") is not None
    page = soup.get_text(" ", strip=True)
    for outsider in ("Gone Away", "Bea Other-Team", "Ben Other-Team"):
        assert outsider not in page
    # Service-wide staff are not the school's team contacts.
    assert world.users[Role.ADMINISTRATOR].email not in page
    assert world.users[Role.CLINICAL_LEAD].email not in page


def test_a_school_without_a_team_says_so(world, auth, client, make_school, make_user):
    school = make_school("Waiting School")
    lead = make_user(Role.SCHOOL_MENTAL_HEALTH_LEAD, school=school)
    auth.sign_in(lead.email)
    soup = home(client)
    team = section(soup, "Your Mental Health Support Team")
    assert "Your school has not been given an MHST team yet" in team
    assert soup.find("caption", string="Onboarding checklist") is not None
    assert "Not participating" in section(soup, "Taking part in the programme")


def test_the_latest_five_activities_with_a_link_to_all(lead, world, client, make_school):
    for number in range(6):
        db.session.add(
            WholeSchoolActivity(
                school=world.school_a1,
                kind=ActivityKind.WORKSHOP,
                held_on=date(2025, 1, 1) + timedelta(days=number),
                theme=f"Workshop theme {number}",
                delivered_by="Team A",
                recorded_by=world.users[Role.EMHP],
                principle_links=[ActivityPrinciple(principle=Principle.STUDENT_VOICE)],
            )
        )
    db.session.add(
        WholeSchoolActivity(
            school=world.school_a2,
            kind=ActivityKind.ASSEMBLY,
            held_on=date(2026, 12, 1),
            theme="Another school's assembly",
            delivered_by="Team A",
            recorded_by=world.users[Role.EMHP],
        )
    )
    db.session.commit()
    soup = home(client)
    activity = section(soup, "Whole-school activity")
    # world.activity_a1 (1 October 2026) is the newest; then the workshops, newest first.
    assert "Worry and how to manage it" in activity
    for number in (5, 4, 3, 2):
        assert f"Workshop theme {number}" in activity
    assert "Workshop theme 1" not in activity
    assert "Workshop theme 0" not in activity
    assert "Another school's assembly" not in soup.get_text()
    link = soup.find("a", href=f"/schools/{world.school_a1.id}/activities", string=True)
    assert link is not None
    assert "(7)" in soup.find("a", string="See your school's whole-school activities").parent.text


def test_a_school_without_activities_says_so(lead, world, client):
    db.session.delete(world.activity_a1)
    db.session.commit()
    activity = section(home(client), "Whole-school activity")
    assert "No whole-school activities have been logged for your school yet" in activity


def test_requests_for_support_list_the_schools_own_referrals_and_audit_them(
    lead, world, client, make_referral
):
    staff = world.users[Role.EMHP]
    other_school = make_referral(world.school_a2, by=staff, child={"given_name": "Otherschool"})
    from_a_gp = make_referral(
        world.school_a1, by=staff, source=ReferralSource.GP, child={"given_name": "Confidential"}
    )
    requests = section(home(client), "Requests for support")
    assert "Alex Invented" in requests  # world.referral_a1, made by this school
    assert "Ready for triage" in requests
    assert "Otherschool" not in requests
    assert "Confidential" not in requests  # a GP's referral is the team's, not the school's
    reads = db.session.scalars(
        select(AuditEvent.record_id).where(
            AuditEvent.action == AuditAction.READ, AuditEvent.record_type == "referral"
        )
    ).all()
    assert str(world.referral_a1.id) in reads
    assert {str(other_school.id), str(from_a_gp.id)}.isdisjoint(reads)


def test_a_school_without_referrals_is_offered_the_referral_form(lead, world, client):
    soup = home(client)
    assert soup.find("a", string="Refer a child", href="/referrals/new") is not None


def test_other_roles_home_pages_are_unchanged(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    soup = home(client)
    assert soup.h1.get_text(strip=True) == "Your caseload"
    assert soup.find("h2", string="Your Mental Health Support Team") is None


def test_the_home_page_uses_a_constant_number_of_queries(
    lead, world, client, count_queries, make_user, make_referral
):
    def queries() -> int:
        before = len(count_queries())
        assert client.get("/").status_code == 200
        return len(count_queries()) - before

    small = queries()
    for number in range(8):
        make_user(Role.EMHP, team=world.team_a)
        db.session.add(
            WholeSchoolActivity(
                school=world.school_a1,
                kind=ActivityKind.ASSEMBLY,
                held_on=date(2025, 1, 1) + timedelta(days=number),
                theme=f"Theme {number}",
                delivered_by="Team A",
                recorded_by=world.users[Role.EMHP],
                principle_links=[ActivityPrinciple(principle=p) for p in list(Principle)[:3]],
            )
        )
    name_lead(world.school_a1, lead, LeadKind.LEAD, by=world.users[Role.ADMINISTRATOR])
    for number in range(6):
        make_referral(world.school_a1, by=lead, child={"given_name": f"Child{number}"})
    db.session.commit()
    assert queries() == small
