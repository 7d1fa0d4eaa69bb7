"""The diary pages run a fixed number of queries however many sessions, groups and
activities they show (the pattern of tests/test_query_counts.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from mhst.accounts.models import Role
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.sessions.group_models import GroupAudience, GroupKind, GroupProgramme, GroupSession
from mhst.sessions.models import CareContact, ContactMode, ContactStage
from mhst.wholeschool.models import ActivityKind, WholeSchoolActivity


def _queries_for(client, count_queries, path) -> int:
    before = len(count_queries())
    assert client.get(path).status_code == 200, path
    return len(count_queries()) - before


def _add_a_days_work(world, make_referral, number: int) -> None:
    """Another child's session today, another group's session and another activity, each
    with its own related rows (so a lazy load per row would show)."""
    emhp, lead = world.users[Role.EMHP], world.users[Role.SCHOOL_MENTAL_HEALTH_LEAD]
    referral = make_referral(
        world.school_a1, by=lead, child={"given_name": f"Kid{number}", "family_name": "Many"}
    )
    today = service_today()
    db.session.add(
        CareContact(
            referral=referral,
            practitioner=emhp,
            starts_at=datetime.combine(today, time(0, 1), tzinfo=SERVICE_TIME_ZONE)
            + timedelta(minutes=30 * number),
            duration_minutes=20,
            stage=ContactStage.ASSESSMENT,
            mode=ContactMode.FACE_TO_FACE_SCHOOL,
            location=f"Room {number}",
            created_by=emhp,
        )
    )
    group = GroupProgramme(
        title=f"Group {number}",
        kind=GroupKind.UNIVERSAL,
        audience=GroupAudience.CHILDREN,
        team_id=world.team_a.id,
        school_id=world.school_a1.id,
        planned_sessions=4,
        created_by_id=emhp.id,
        facilitators=[emhp],
    )
    db.session.add(GroupSession(group=group, held_on=today, recorded_by_id=emhp.id))
    db.session.add(
        WholeSchoolActivity(
            school=world.school_a1,
            kind=ActivityKind.ASSEMBLY,
            held_on=today,
            theme=f"Theme {number}",
            delivered_by="Team A",
            recorded_by=emhp,
        )
    )
    db.session.commit()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.EMHP, "/diary"),
        (Role.EMHP, "/diary/day"),
        (Role.EMHP, "/"),
        (Role.SENIOR_CLINICIAN, "/diary/team"),
        (Role.SENIOR_CLINICIAN, "/"),
        (Role.SENIOR_CLINICIAN, "/schools/{school}/visits"),
        (Role.SCHOOL_MENTAL_HEALTH_LEAD, "/schools/{school}/visits"),
    ],
)
def test_diary_pages_use_a_constant_number_of_queries(
    role, path, world, auth, client, make_referral, count_queries
):
    path = path.format(school=world.school_a1.id)
    auth.sign_in(world.users[role].email)
    _add_a_days_work(world, make_referral, 0)
    small = _queries_for(client, count_queries, path)
    for number in range(1, 8):
        _add_a_days_work(world, make_referral, number)
    page = client.get(path).get_data(as_text=True)
    if path != "/":
        assert "Room 7" in page or "Group 7" in page or "Theme 7" in page
    assert _queries_for(client, count_queries, path) == small
