"""The waiting list: accepted referrals, days waiting since referral and the 4-week mark."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals import operations
from mhst.referrals.models import ReferralStatus
from mhst.schools.models import ParticipationStatus
from tests.test_triage import table_rows, text_of

URL = "/referrals/waiting-list"


@pytest.fixture
def active(world):
    """Every school of the world takes part, so its referrals can be accepted."""
    for school in (world.school_a1, world.school_a2, world.school_b1, world.school_b2):
        school.participation_status = ParticipationStatus.ACTIVE
    db.session.commit()
    return world


@pytest.fixture
def accept(active, make_referral):
    """Make a referral received ``days`` ago and accept it onto the waiting list."""
    senior = active.users[Role.SENIOR_CLINICIAN]

    def make(school, days: int, given_name: str = "Alex", family_name: str = "Invented"):
        referral = make_referral(
            school,
            by=senior,
            consent=True,
            received_on=service_today() - timedelta(days=days),
            child={"given_name": given_name, "family_name": family_name},
        )
        operations.triage(referral, ReferralStatus.ACCEPTED, by=senior, reason=None)
        db.session.commit()
        return referral

    return make


def sign_in(auth, world, role: Role):
    auth.sign_in(world.users[role].email)


def references(response) -> list[str]:
    return [row["Reference"] for row in table_rows(response)]


def day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def test_days_waiting_count_from_the_referral_and_the_four_week_mark(active, accept, auth, client):
    under = accept(active.school_a1, 27, "Uma")
    at = accept(active.school_a2, 28, "Ash")
    sign_in(auth, active, Role.SENIOR_CLINICIAN)
    response = client.get(URL)
    assert response.status_code == 200
    text = text_of(response)
    assert "2 waiting, 1 over 4 weeks" in text
    rows = {row["Reference"]: row for row in table_rows(response)}
    today = service_today()
    assert rows[under.reference] == {
        "Reference": under.reference,
        "Child": "Uma Invented",
        "School": "School A1",
        "Date referred": day(today - timedelta(days=27)),
        "Date accepted": day(today),
        "Days waiting": "27",
        "4-week mark": f"Reaches 4 weeks on {day(today + timedelta(days=1))}",
        "Action": "Allocate Uma Invented",  # the link's hidden text names the child
    }
    assert rows[at.reference]["Days waiting"] == "28"
    assert rows[at.reference]["4-week mark"] == "Over 4 weeks"
    # The tag is words, not only a colour.
    tags = [
        tag.get_text(strip=True)
        for tag in BeautifulSoup(response.text, "html.parser").select("tbody .nhsuk-tag")
    ]
    assert tags == ["Over 4 weeks"]


def test_only_accepted_referrals_wait(active, accept, make_referral, auth, client):
    waiting = accept(active.school_a1, 3)
    ready = make_referral(active.school_a1, by=active.users[Role.SENIOR_CLINICIAN], consent=True)
    withdrawn = accept(active.school_a2, 5)
    operations.transition(
        withdrawn,
        ReferralStatus.WITHDRAWN,
        by=active.users[Role.SENIOR_CLINICIAN],
        reason="Family moved away",
    )
    db.session.commit()
    sign_in(auth, active, Role.EMHP)
    listed = references(client.get(URL))
    assert listed == [waiting.reference]
    assert ready.reference not in listed
    assert withdrawn.reference not in listed
    assert active.referral_a1.reference not in listed


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["old", "middle", "new"]),
        ("days", ["old", "middle", "new"]),
        ("school", ["middle", "old", "new"]),
        ("name", ["new", "old", "middle"]),
        ("accepted", ["new", "middle", "old"]),
    ],
)
def test_sorting_by_each_key(sort, expected, active, accept, auth, client):
    made = {
        "old": accept(active.school_a2, 40, "Olu", "Brook"),
        "middle": accept(active.school_a1, 20, "Mo", "Cole"),
        "new": accept(active.school_a2, 2, "Nia", "Abbot"),
    }
    # Accepted on different days (the operation accepts today); earliest accepted first.
    for name, days in (("new", 9), ("middle", 5), ("old", 1)):
        made[name].accepted_on = service_today() - timedelta(days=days)
    db.session.commit()
    sign_in(auth, active, Role.SENIOR_CLINICIAN)
    response = client.get(f"{URL}?sort={sort}" if sort else URL)
    assert response.status_code == 200
    assert references(response) == [made[name].reference for name in expected]
    selected = BeautifulSoup(response.text, "html.parser").select_one("#sort option[selected]")
    assert selected["value"] == (sort or "days")


@pytest.mark.parametrize("sort", ["banana", "days; DROP TABLE referral", "x" * 500])
def test_an_unknown_sort_is_a_clear_400(sort, active, accept, auth, client):
    accept(active.school_a1, 3)
    sign_in(auth, active, Role.SENIOR_CLINICIAN)
    response = client.get(URL, query_string={"sort": sort})
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert "Select how to sort the waiting list from the list" in text
    assert table_rows(response) == []


def test_a_clinical_lead_sees_every_team_and_can_filter_by_team(active, accept, auth, client):
    team_a = accept(active.school_a1, 10)
    team_b = accept(active.school_b1, 12)
    sign_in(auth, active, Role.CLINICAL_LEAD)
    response = client.get(URL)
    assert set(references(response)) == {team_a.reference, team_b.reference}
    rows = {row["Reference"]: row for row in table_rows(response)}
    assert rows[team_b.reference]["MHST team"] == "Team B"

    response = client.get(f"{URL}?team={active.team_b.id}&sort=school")
    assert response.status_code == 200
    assert references(response) == [team_b.reference]
    assert "for Team B" in text_of(response)

    for garbage in ("abc", "99999", "-1", "1 OR 1=1", "²", "9" * 40):
        response = client.get(URL, query_string={"team": garbage})
        assert response.status_code == 400
        assert "Select a team from the list" in text_of(response)
        assert table_rows(response) == []


@pytest.mark.parametrize("role", [Role.EMHP, Role.SENIOR_CLINICIAN])
def test_team_staff_see_only_their_teams_waiting_list(role, active, accept, auth, client):
    team_a = accept(active.school_a2, 10)
    team_b = accept(active.school_b1, 12)
    sign_in(auth, active, role)
    response = client.get(URL)
    assert references(response) == [team_a.reference]
    assert "for Team A" in text_of(response)
    assert BeautifulSoup(response.text, "html.parser").select_one("#team") is None
    # A team in the address changes nothing: the list is always the user's team.
    response = client.get(f"{URL}?team={active.team_b.id}")
    assert response.status_code == 200
    assert team_b.reference not in references(response)


def test_the_list_is_audited(active, accept, auth, client):
    waiting = accept(active.school_a1, 3)
    emhp = active.users[Role.EMHP]
    sign_in(auth, active, Role.EMHP)
    client.get(URL)
    reads = db.session.scalars(
        select(AuditEvent.record_id).where(
            AuditEvent.user_id == emhp.id,
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == "referral",
        )
    ).all()
    assert reads == [str(waiting.id)]


def test_a_page_of_the_list_is_one_audit_entry(active, accept, auth, client):
    shown = {accept(active.school_a1, days).id for days in (3, 5, 40)}
    lead = active.users[Role.CLINICAL_LEAD]
    sign_in(auth, active, Role.CLINICAL_LEAD)
    assert client.get(URL).status_code == 200
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.user_id == lead.id,
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == "referral",
        )
    ).all()
    assert [sorted(event.record_ids) for event in events] == [sorted(str(i) for i in shown)]


@pytest.mark.parametrize("role", [Role.EMHP, Role.CLINICAL_LEAD])
def test_the_list_runs_a_fixed_number_of_queries(role, active, accept, auth, client, count_queries):
    def queries_for_list() -> int:
        before = len(count_queries())
        assert client.get(f"{URL}?sort=school").status_code == 200
        return len(count_queries()) - before

    schools = [active.school_a1, active.school_a2]
    if role is Role.CLINICAL_LEAD:
        schools += [active.school_b1, active.school_b2]
    for number in range(3):
        accept(schools[number % len(schools)], number * 10)
    sign_in(auth, active, role)
    small = queries_for_list()
    for number in range(12):
        accept(schools[number % len(schools)], number * 3, f"Invented{number}")
    response = client.get(URL)
    assert len(table_rows(response)) == 15
    assert queries_for_list() == small
