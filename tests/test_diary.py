"""The diary (issue 15, part 1): a practitioner's week and day, booking from a day, the
team's week, a school's view of the team's visits, and today's sessions on the home page.

Each page as each role may see it, out of scope a 404; the children a page names are
audited in one event; cancelled sessions are marked and those entered in error left out.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent, AuditRecordType
from mhst.audit.operations import names_record
from mhst.core.formatting import format_time
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.diary import entries
from mhst.extensions import db
from mhst.sessions.group_models import GroupSession
from mhst.sessions.models import Attendance, CareContact, ContactMode, ContactStage
from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity


def _day_of(contact: CareContact) -> date:
    return contact.starts_at.astimezone(SERVICE_TIME_ZONE).date()


def _reads_of(user, referral_id: int) -> int:
    return len(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.user_id == user.id,
                AuditEvent.action == AuditAction.READ,
                AuditEvent.record_type == AuditRecordType.REFERRAL,
                names_record(referral_id),
            )
        ).all()
    )


def _session_at(world, starts_at: datetime, **changes) -> CareContact:
    emhp = world.users[Role.EMHP]
    fields = {
        "referral": world.case_a1,
        "practitioner": emhp,
        "starts_at": starts_at,
        "duration_minutes": 30,
        "stage": ContactStage.TREATMENT,
        "mode": ContactMode.VIDEO,
        "created_by": emhp,
    }
    contact = CareContact(**(fields | changes))
    db.session.add(contact)
    db.session.commit()
    return contact


def test_the_week_shows_the_emhps_session_by_name_and_audits_it(world, auth, client):
    emhp = world.users[Role.EMHP]
    contact = world.contact_a1
    auth.sign_in(emhp.email)
    before = _reads_of(emhp, world.case_a1.id)
    response = client.get(f"/diary?date={_day_of(contact).isoformat()}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    child = world.case_a1.child
    assert child.full_name in page
    assert child.reference in page
    assert format_time(contact.starts_at) in page
    assert "The school&#39;s wellbeing room" in page
    assert "Booked" in page
    assert f"/casework/cases/{world.case_a1.id}/sessions#session-{contact.id}" in page
    # The group the EMHP runs (no session recorded this week) is not there.
    assert _reads_of(emhp, world.case_a1.id) == before + 1
    # Weeks start on Monday; the links go a week either way.
    monday = entries.week_start(_day_of(contact))
    assert f"date={(monday + timedelta(days=7)).isoformat()}" in page
    assert f"date={(monday - timedelta(days=7)).isoformat()}" in page


def test_cancelled_sessions_are_marked_and_those_entered_in_error_left_out(world, auth, client):
    day = service_today() + timedelta(days=3)
    at = datetime.combine(day, time(10, 0), tzinfo=SERVICE_TIME_ZONE)
    _session_at(world, at, attendance=Attendance.CANCELLED_BY_FAMILY)
    _session_at(world, at + timedelta(hours=2), entered_in_error_at=utcnow())
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(f"/diary/day?date={day.isoformat()}").get_data(as_text=True)
    assert "Cancelled by the family" in page
    assert "10:00 to 10:30" in page
    assert "12:00 to" not in page


def test_untimed_group_sessions_and_whole_school_activities_are_day_rows(world, auth, client):
    day = date(2026, 11, 4)
    db.session.add(
        GroupSession(group=world.group_a1, held_on=day, recorded_by_id=world.users[Role.EMHP].id)
    )
    db.session.add(
        WholeSchoolActivity(
            school=world.school_a2,
            kind=ActivityKind.WORKSHOP,
            held_on=day,
            theme="Exam stress",
            delivered_by="Team A",
            recorded_by=world.users[Role.EMHP],
        )
    )
    db.session.commit()
    auth.sign_in(world.users[Role.EMHP].email)
    page = client.get(f"/diary/day?date={day.isoformat()}").get_data(as_text=True)
    assert "Group session: " in page
    assert "Worry busters" in page
    assert "Whole-school activity: " in page
    assert "Exam stress" in page
    # A group session recorded by its date only (tests/test_group_times.py: with a time).
    assert page.count("Time not recorded") == 1
    assert page.count("All day") == 1


@pytest.mark.parametrize("asked", ["", "2026-13-45", "yesterday", "0001-01-01", "9" * 50])
def test_a_date_that_cannot_be_read_shows_today(asked, world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    for path in ("/diary", "/diary/day", "/diary/team", f"/schools/{world.school_a1.id}/visits"):
        response = client.get(path, query_string={"date": asked})
        assert response.status_code in (200, 403), path


def test_booking_from_a_day_goes_to_the_cases_booking_page_with_the_date_and_time(
    world, auth, client
):
    auth.sign_in(world.users[Role.EMHP].email)
    day = service_today() + timedelta(days=2)
    page = client.get(f"/diary/day?date={day.isoformat()}").get_data(as_text=True)
    assert f'<option value="{world.case_a1.id}">' in page
    response = client.get(
        "/diary/day",
        query_string={"date": day.isoformat(), "case": world.case_a1.id, "time": "10:15"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/casework/cases/{world.case_a1.id}/sessions/book?date={day.isoformat()}&time=10:15"
    )
    # Not one of the EMHP's open cases (a referral waiting for triage), or a made-up time.
    refused = client.get(
        "/diary/day",
        query_string={"date": day.isoformat(), "case": world.referral_a1.id, "time": "25:99"},
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Select one of your open cases" in text
    assert "Select a time from the list" in text
    assert "<title>Error: " in text


def test_the_team_view_shows_initials_and_references_only(world, auth, client):
    contact = world.contact_a1
    child = world.case_a1.child
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    response = client.get(f"/diary/team?date={_day_of(contact).isoformat()}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"{child.given_name[0]}.{child.family_name[0]}." in page
    assert child.reference in page
    assert child.given_name not in page
    assert child.family_name not in page
    assert world.users[Role.EMHP].full_name in page
    assert "Team A" in page


def test_a_senior_clinician_cannot_see_another_teams_week(world, auth, client):
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    response = client.get(f"/diary/team?team={world.team_b.id}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Team B" not in page
    assert "Team A" in page


def test_the_clinical_lead_chooses_any_team(world, auth, client):
    auth.sign_in(world.users[Role.CLINICAL_LEAD].email)
    page = client.get(f"/diary/team?team={world.team_b.id}").get_data(as_text=True)
    assert "Team diary: Team B" in page
    assert '<select class="nhsuk-select" id="team" name="team">' in page


def test_the_school_view_shows_visits_without_the_child(world, auth, client):
    contact = world.contact_a1  # face to face in school A2 with a pupil of school A2
    child = world.case_a1.child
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    school = world.case_a1.school
    response = client.get(f"/schools/{school.id}/visits?date={_day_of(contact).isoformat()}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1:1 session" in page
    assert "The school&#39;s wellbeing room" in page
    assert world.users[Role.EMHP].full_name in page
    for secret in (child.given_name, child.family_name, child.reference, "Assessment"):
        assert secret not in page


def test_a_school_lead_sees_only_their_own_schools_visits(world, auth, client):
    auth.sign_in(world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD].email)
    assert client.get(f"/schools/{world.school_a1.id}/visits").status_code == 200
    assert client.get(f"/schools/{world.school_a2.id}/visits").status_code == 404
    assert client.get(f"/schools/{world.school_b1.id}/visits").status_code == 404


def test_a_cancelled_session_is_not_a_visit(world, auth, client):
    day = service_today() + timedelta(days=3)
    at = datetime.combine(day, time(11, 0), tzinfo=SERVICE_TIME_ZONE)
    _session_at(
        world,
        at,
        mode=ContactMode.FACE_TO_FACE_SCHOOL,
        location="Room 5",
        attendance=Attendance.CANCELLED_BY_SERVICE,
    )
    auth.sign_in(world.users[Role.SENIOR_CLINICIAN].email)
    page = client.get(f"/schools/{world.case_a1.school_id}/visits?date={day.isoformat()}").get_data(
        as_text=True
    )
    assert "Room 5" not in page


def test_todays_sessions_on_the_home_page(world, auth, client):
    emhp = world.users[Role.EMHP]
    auth.sign_in(emhp.email)
    page = client.get("/").get_data(as_text=True)
    assert "Today's sessions" in page
    assert "No sessions booked today" in page
    soon = max(
        utcnow() + timedelta(minutes=5),
        datetime.combine(service_today(), time(0, 5), tzinfo=SERVICE_TIME_ZONE),
    )
    if soon.astimezone(SERVICE_TIME_ZONE).date() != service_today():
        soon = datetime.combine(service_today(), time(23, 0), tzinfo=SERVICE_TIME_ZONE)
    _session_at(world, soon)
    page = client.get("/").get_data(as_text=True)
    assert "No sessions booked today" not in page
    assert world.case_a1.child.full_name in page
    assert "Video call" in page
    assert 'href="/diary"' in page


def test_diary_is_in_the_caseworkers_menu(world, auth, client):
    auth.sign_in(world.users[Role.EMHP].email)
    assert 'href="/diary">Diary</a>' in client.get("/").get_data(as_text=True)


def test_a_session_on_a_case_no_longer_held_shows_initials_only(world, auth, client):
    """A session the EMHP had on a case now out of their case scope (here a referral never
    allocated to them): in their diary, but by initials and record number only."""
    emhp = world.users[Role.EMHP]
    day = service_today() + timedelta(days=4)
    contact = CareContact(
        referral=world.referral_a1,
        practitioner=emhp,
        starts_at=datetime.combine(day, time(9, 30), tzinfo=SERVICE_TIME_ZONE),
        duration_minutes=30,
        stage=ContactStage.ASSESSMENT,
        mode=ContactMode.TELEPHONE,
        created_by=emhp,
    )
    db.session.add(contact)
    db.session.commit()
    auth.sign_in(emhp.email)
    page = client.get(f"/diary/day?date={day.isoformat()}").get_data(as_text=True)
    child = world.referral_a1.child
    assert "09:30 to 10:00" in page
    assert child.reference in page
    assert f"{child.given_name[0]}.{child.family_name[0]}." in page
    assert child.full_name not in page
    assert f"/casework/cases/{world.referral_a1.id}/sessions" not in page
