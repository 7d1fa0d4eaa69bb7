"""Two planners adding the same waiting school to cohorts at the same moment: each
request locks the chosen schools (SELECT ... FOR UPDATE) and re-checks that they are
still waiting, so one decision is made and the other is refused, with nothing of it
saved (neither its school changes nor its decision record)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select

from mhst.accounts.models import Role
from mhst.cohorts.models import Cohort
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.planning.models import PlanDecision
from mhst.schools.models import ParticipationEvent, ParticipationStatus, School
from tests.concurrency.client import simultaneously
from tests.conftest import new_user

S = ParticipationStatus


def _setting(live) -> dict[str, int | str]:
    """Two waiting schools in team A's area (one shared by both planners), a future
    cohort of team A, and two clinical leads."""
    world = live.world()
    tag = uuid.uuid4().hex[:6]
    schools = [
        School(
            name=f"Waiting {tag} {n}",
            urn=f"{700000 + int(tag, 16) % 90000 + n:06d}",
            area=world.area_a,
            participation_status=S.INTEREST_REGISTERED,
            pupils_on_roll=300,
        )
        for n in range(2)
    ]
    year = service_today().year + 1
    cohort = Cohort(
        name=f"Cohort {tag}",
        academic_year=year,
        go_live_date=date(year, 9, 20),
        teams=[world.team_a],
    )
    db.session.add_all([*schools, cohort])
    leads = [new_user(Role.CLINICAL_LEAD, email=f"{tag}{n}@test.example") for n in range(2)]
    db.session.commit()
    return {
        "shared": schools[0].id,
        "other": schools[1].id,
        "cohort": cohort.id,
        "team": world.team_a.id,
        "first": leads[0].email,
        "second": leads[1].email,
    }


def _state(ids) -> tuple:
    shared = db.session.get(School, ids["shared"])
    other = db.session.get(School, ids["other"])
    events = db.session.scalar(
        select(func.count())
        .select_from(ParticipationEvent)
        .where(ParticipationEvent.school_id == ids["shared"])
    )
    decisions = db.session.scalar(
        select(func.count())
        .select_from(PlanDecision)
        .where(PlanDecision.cohort_id == ids["cohort"])
    )
    return shared.participation_status, other.participation_status, events, decisions


def test_two_planners_adding_the_same_school_make_one_decision(live):
    ids = live.run(_setting, live)
    first, second = live.client(ids["first"]), live.client(ids["second"])
    path = "/planning/next-cohort"
    page_one, page_two = first.get(path), second.get(path)

    def form(page, schools: list[int], reason: str) -> dict:
        return {
            "submission_token": page.hidden("submission_token"),
            "show": "interest",
            "area_id": "",
            "school_ids": [str(school) for school in schools],
            "cohort_id": str(ids["cohort"]),
            "serving_team_id": str(ids["team"]),
            "reason": reason,
        }

    replies = simultaneously(
        lambda: first.post(path, form(page_one, [ids["shared"]], "First"), token_from=page_one),
        lambda: second.post(
            path, form(page_two, [ids["shared"], ids["other"]], "Second"), token_from=page_two
        ),
    )
    statuses = [reply.status for reply in replies]
    assert sorted(statuses) == [302, 400], statuses
    refused = replies[statuses.index(400)]
    assert "no longer waiting" in refused.text
    shared, other, events, decisions = live.run(_state, ids)
    assert (shared, events, decisions) == (S.ASSIGNED_TO_COHORT, 1, 1)
    # The second planner's other school is left waiting when the first won: all or none.
    assert other is (S.INTEREST_REGISTERED if statuses[0] == 302 else S.ASSIGNED_TO_COHORT)
