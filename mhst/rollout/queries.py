"""Loading the rollout's rows: four queries, however many schools, events or years."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func, select

from mhst.cohorts.models import Cohort
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.rollout.figures import EventRow, Rollout, SchoolRow, compute_rollout
from mhst.schools.models import ParticipationEvent, School


def today() -> date:
    return utcnow().date()


def areas() -> list[tuple[int, str]]:
    """(id, name) of every service area, by name."""
    rows = db.session.execute(select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name))
    return [(area_id, name) for area_id, name in rows]


def load_rollout(area_list: list[tuple[int, str]]) -> Rollout:
    """Every figure of the report, from the register, the participation history and the
    cohorts, with the target year and trajectory from the configuration."""
    schools = [
        SchoolRow(*row)
        for row in db.session.execute(
            select(
                School.id,
                School.name,
                School.area_id,
                School.pupils_on_roll,
                School.participation_status,
            )
        )
    ]
    events = [
        EventRow(*row)
        for row in db.session.execute(
            select(
                ParticipationEvent.school_id,
                ParticipationEvent.to_status,
                ParticipationEvent.occurred_at,
            ).order_by(ParticipationEvent.occurred_at, ParticipationEvent.id)
        )
    ]
    first_cohort_year = db.session.scalar(select(func.min(Cohort.academic_year)))
    return compute_rollout(
        areas=area_list,
        schools=schools,
        events=events,
        first_cohort_year=first_cohort_year,
        today=today(),
        target_year=current_app.config["ROLLOUT_TARGET_YEAR"],
        trajectory_points=current_app.config["ROLLOUT_TRAJECTORY"],
    )
