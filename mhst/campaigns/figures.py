"""What a campaign's page shows: its recipients by state, the schools that ran
whole-school activities for it (with attendance), and the interest registrations that
came from its emails. A fixed number of queries, whatever the number of schools."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from mhst.campaigns.models import RECEIVED, RecipientState
from mhst.campaigns.recipients import state_counts
from mhst.extensions import db
from mhst.schools.models import InterestRegistration, School
from mhst.wholeschool.models import WholeSchoolActivity


@dataclass(frozen=True)
class SchoolActivities:
    school_id: int
    name: str
    activities: int
    attendance: int


@dataclass(frozen=True)
class CampaignFigures:
    states: dict[RecipientState, int]
    activities: list[SchoolActivities]
    registrations: list[InterestRegistration]

    @property
    def recipients(self) -> int:
        return sum(self.states.values())

    @property
    def received(self) -> int:
        return sum(self.states[state] for state in RECEIVED)

    @property
    def activity_count(self) -> int:
        return sum(row.activities for row in self.activities)

    @property
    def attendance(self) -> int:
        return sum(row.attendance for row in self.activities)


def activities_by_school(campaign_id: int) -> list[SchoolActivities]:
    rows = db.session.execute(
        select(
            School.id,
            School.name,
            func.count(WholeSchoolActivity.id),
            func.coalesce(func.sum(WholeSchoolActivity.attendance), 0),
        )
        .join(School, School.id == WholeSchoolActivity.school_id)
        .where(WholeSchoolActivity.campaign_id == campaign_id)
        .group_by(School.id, School.name)
        .order_by(School.name, School.id)
    ).all()
    return [SchoolActivities(*row) for row in rows]


def registrations_from(campaign_id: int) -> list[InterestRegistration]:
    return list(
        db.session.scalars(
            select(InterestRegistration)
            .where(InterestRegistration.campaign_id == campaign_id)
            .order_by(InterestRegistration.submitted_at.desc(), InterestRegistration.id.desc())
        )
    )


def figures(campaign_id: int) -> CampaignFigures:
    return CampaignFigures(
        states=state_counts(campaign_id),
        activities=activities_by_school(campaign_id),
        registrations=registrations_from(campaign_id),
    )
