"""Allocation: a senior clinician allocates an accepted referral to a practitioner of the
team, seeing each one's caseload size; reallocation keeps the history."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.casework import operations
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.referrals import operations as referral_operations
from mhst.referrals.allocations import Allocation, current_allocation
from mhst.referrals.models import ReferralEvent, ReferralStatus
from mhst.referrals.operations import ConsentRequired
from tests.test_triage import soup_of, text_of

S = ReferralStatus
EMHP = Role.EMHP.label


def url(referral) -> str:
    return f"/casework/referrals/{referral.id}/allocate"


@pytest.fixture
def accept(world, make_referral):
    """A referral from school A2 (active, team A) accepted onto the waiting list."""
    senior = world.users[Role.SENIOR_CLINICIAN]

    def make(given_name: str = "Alex", family_name: str = "Invented"):
        referral = make_referral(
            world.school_a2,
            by=senior,
            consent=True,
            child={"given_name": given_name, "family_name": family_name},
        )
        referral_operations.triage(referral, S.ACCEPTED, by=senior, reason=None)
        db.session.commit()
        return referral

    return make


@pytest.fixture
def team(world, make_user):
    """A second EMHP in team A; an inactive EMHP of team A; an EMHP of team B."""
    return {
        "robin": make_user(Role.EMHP, team=world.team_a, full_name="Robin Second"),
        "gone": make_user(Role.EMHP, team=world.team_a, full_name="Gone Away", active=False),
        "other": make_user(Role.EMHP, team=world.team_b, full_name="Bea Otherteam"),
    }


def sign_in_senior(auth, world):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)


def practitioner_options(response) -> dict[str, str]:
    """{label: hint} of the practitioner radios."""
    soup = soup_of(response)
    options = {}
    for item in soup.select(".nhsuk-radios__item"):
        label = " ".join(item.select_one("label").get_text(" ", strip=True).split())
        hint = item.select_one(".nhsuk-hint")
        options[label] = " ".join(hint.get_text(" ", strip=True).split()) if hint else ""
    return options


def test_the_page_lists_the_teams_practitioners_with_their_caseload_sizes(
    world, team, accept, auth, client
):
    referral = accept("Uma")
    sign_in_senior(auth, world)
    response = client.get(url(referral))
    assert response.status_code == 200
    text = text_of(response)
    assert f"Allocate referral {referral.reference}" in text
    assert "Uma Invented" in text
    assert "School A2" in text
    options = practitioner_options(response)
    emhp, senior = world.users[Role.EMHP], world.users[Role.SENIOR_CLINICIAN]
    # The EMHP holds case_a1; nobody else holds a case. Team B and inactive users are absent.
    assert options == {
        emhp.full_name: f"{EMHP}, 1 open case",
        senior.full_name: f"{Role.SENIOR_CLINICIAN.label}, 0 open cases",
        "Robin Second": f"{EMHP}, 0 open cases",
    }
    # Reading the referral to allocate it is audit-logged.
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.READ,
            AuditEvent.record_type == "referral",
            AuditEvent.record_id == str(referral.id),
        )
    )


def test_allocating_moves_the_referral_to_allocated(world, team, accept, auth, client):
    referral = accept("Uma")
    robin = team["robin"]
    sign_in_senior(auth, world)
    response = auth.post(url(referral), {"practitioner": str(robin.id)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/casework/team"
    # The message waits in the session cookie: it names the referral, never the child.
    assert "Uma" not in str(session_cookie_contents(client))
    page = client.get("/casework/team")
    assert f"Referral {referral.reference} allocated to Robin Second" in text_of(page)
    db.session.refresh(referral)
    assert referral.status is S.ALLOCATED
    allocation = current_allocation(referral)
    assert allocation.practitioner_id == robin.id
    assert allocation.allocated_by_id == world.users[Role.SENIOR_CLINICIAN].id
    event = db.session.scalars(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.id.desc())
    ).first()
    assert (event.from_status, event.to_status) == (S.ACCEPTED, S.ALLOCATED)
    assert event.reason == "Allocated to Robin Second"
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.record_type == "referral",
            AuditEvent.record_id == str(referral.id),
            AuditEvent.action == AuditAction.UPDATE,
        )
    ).all()
    assert f"allocated to user {robin.id}" in details
    # The team's caseloads now count the case for Robin.
    assert "Robin Second" in text_of(page)


def test_reallocation_keeps_the_history(world, team, accept):
    referral = accept()
    senior, emhp, robin = world.users[Role.SENIOR_CLINICIAN], world.users[Role.EMHP], team["robin"]
    first = operations.allocate(referral, emhp, by=senior)
    db.session.commit()
    events_before = len(referral.events)
    second = operations.allocate(referral, robin, by=senior)
    db.session.commit()
    assert referral.status is S.ALLOCATED  # unchanged: no new status event
    db.session.refresh(referral)
    assert len(referral.events) == events_before
    rows = db.session.scalars(
        select(Allocation).where(Allocation.referral_id == referral.id).order_by(Allocation.id)
    ).all()
    assert [row.id for row in rows] == [first.id, second.id]
    assert rows[0].ended_at is not None
    assert rows[0].end_reason == "Reallocated to Robin Second"
    assert rows[1].ended_at is None
    assert rows[1].practitioner_id == robin.id
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.record_id == str(referral.id),
            AuditEvent.detail == f"reallocated from user {emhp.id} to user {robin.id}",
        )
    )


def test_reallocating_through_the_page_shows_the_current_practitioner(world, team, auth, client):
    case = world.case_a1
    sign_in_senior(auth, world)
    response = client.get(url(case))
    assert f"Reallocate case {case.reference}" in text_of(response)
    emhp = world.users[Role.EMHP]
    assert (
        practitioner_options(response)[emhp.full_name]
        == f"{EMHP}, 1 open case, holds this case now"
    )
    response = auth.post(url(case), {"practitioner": str(team["robin"].id)})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status is S.ALLOCATED
    assert current_allocation(case).practitioner_id == team["robin"].id


def test_allocating_to_the_same_person_again_is_refused(world, auth, client):
    case, emhp = world.case_a1, world.users[Role.EMHP]
    with pytest.raises(RuleError, match="already allocated to"):
        operations.allocate(case, emhp, by=world.users[Role.SENIOR_CLINICIAN])
    db.session.rollback()
    sign_in_senior(auth, world)
    response = auth.post(url(case), {"practitioner": str(emhp.id)})
    assert response.status_code == 400
    assert f"This case is already allocated to {emhp.full_name}" in text_of(response)
    assert (
        len(db.session.scalars(select(Allocation).where(Allocation.referral_id == case.id)).all())
        == 1
    )


@pytest.mark.parametrize("who", ["other", "gone", "lead", "admin"])
def test_only_an_active_practitioner_of_the_team_can_hold_a_case(world, team, accept, who):
    referral = accept()
    practitioner = {
        "lead": world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD],
        "admin": world.users[Role.ADMINISTRATOR],
    }.get(who) or team[who]
    with pytest.raises(RuleError, match="Select a practitioner from the team"):
        operations.allocate(referral, practitioner, by=world.users[Role.SENIOR_CLINICIAN])
    db.session.rollback()
    db.session.refresh(referral)
    assert referral.status is S.ACCEPTED
    assert current_allocation(referral) is None


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (None, "Select a practitioner"),
        ("abc", "Select a practitioner from the list"),
        ("999999", "Select a practitioner from the list"),
        ("team-b", "Select a practitioner from the list"),
        ("' OR 1=1 --", "Select a practitioner from the list"),
    ],
)
def test_bad_answers_are_refused_with_a_message(world, team, accept, auth, client, answer, message):
    referral = accept()
    if answer == "team-b":
        answer = str(team["other"].id)
    sign_in_senior(auth, world)
    response = auth.post(url(referral), {} if answer is None else {"practitioner": answer})
    assert response.status_code == 400
    text = text_of(response)
    assert "There is a problem" in text
    assert message in text
    db.session.refresh(referral)
    assert referral.status is S.ACCEPTED
    assert current_allocation(referral) is None


def test_the_consent_gate_refuses_allocation_without_valid_consent(
    world, make_referral, auth, client
):
    senior = world.users[Role.SENIOR_CLINICIAN]
    # A later state made directly: on the waiting list with no consent recorded.
    referral = make_referral(world.school_a2, by=senior, consent=False)
    referral.status = S.ACCEPTED
    db.session.commit()
    with pytest.raises(ConsentRequired):
        operations.allocate(referral, world.users[Role.EMHP], by=senior)
    db.session.rollback()
    sign_in_senior(auth, world)
    page = client.get(url(referral))
    assert "No valid consent" in text_of(page)
    response = auth.post(url(referral), {"practitioner": str(world.users[Role.EMHP].id)})
    assert response.status_code == 400
    assert "Record valid consent first" in text_of(response)
    db.session.refresh(referral)
    assert referral.status is S.ACCEPTED
    assert current_allocation(referral) is None


def test_a_referral_not_yet_accepted_cannot_be_allocated(world, auth, client):
    referral = world.referral_a1  # ready for triage
    with pytest.raises(RuleError, match="cannot be allocated"):
        operations.allocate(referral, world.users[Role.EMHP], by=world.users[Role.SENIOR_CLINICIAN])
    db.session.rollback()
    sign_in_senior(auth, world)
    response = client.get(url(referral))
    assert response.status_code == 200
    assert f"Referral {referral.reference} cannot be allocated yet" in text_of(response)
    assert soup_of(response).select("input[type=radio]") == []
    response = auth.post(url(referral), {"practitioner": str(world.users[Role.EMHP].id)})
    assert response.status_code == 400  # refused by the operation, on the form
    assert "A referral that is ready for triage cannot be allocated" in text_of(response)
    db.session.refresh(referral)
    assert referral.status is S.READY_FOR_TRIAGE
    assert current_allocation(referral) is None


def test_another_teams_referral_is_not_found(world, make_referral, auth, client):
    senior = world.users[Role.SENIOR_CLINICIAN]
    referral = make_referral(world.school_b1, by=senior, consent=True)
    sign_in_senior(auth, world)
    assert client.get(url(referral)).status_code == 404
    assert auth.post(url(referral), {"practitioner": str(senior.id)}).status_code == 404


@pytest.mark.parametrize("role", [Role.EMHP, Role.CLINICAL_LEAD, Role.SCHOOL_MENTAL_HEALTH_LEAD])
def test_only_a_senior_clinician_allocates(world, accept, auth, client, role):
    referral = accept()
    auth.sign_in(world.users[role].email)
    assert client.get(url(referral)).status_code in (403, 404)
    response = auth.post(url(referral), {"practitioner": str(world.users[Role.EMHP].id)})
    assert response.status_code in (403, 404)
    db.session.refresh(referral)
    assert referral.status is S.ACCEPTED


def session_cookie_contents(client) -> dict:
    """The signed session cookie's contents, as the browser holds them."""
    cookie = client.get_cookie(current_app.config["SESSION_COOKIE_NAME"])
    serializer = current_app.session_interface.get_signing_serializer(current_app)
    return serializer.loads(cookie.value)
