"""Loading the rollout: the schools and pupils covered summed in SQL per area (now, at the
end of each ended year, and planned by cohort go-live date), and the schools waiting for a
cohort - six queries, however many schools, events or years, returning a row per area and
year (and per waiting school), never a row per school on the register."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import current_app
from sqlalchemy import Integer, and_, case, func, literal, or_, select, union_all

from mhst.cohorts.models import Cohort
from mhst.core.academic_year import academic_year_end, academic_year_of
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.rollout.arithmetic import PLANNED
from mhst.rollout.figures import (
    Counts,
    Rollout,
    end_of_day,
    ended_years,
    rollout_from_counts,
    years_shown,
)
from mhst.rollout.rows import WaitingSchool, waiting_order
from mhst.schools.models import ParticipationEvent, ParticipationStatus, School
from mhst.schools.operations import COVERED


def today() -> date:
    return utcnow().date()


def areas() -> list[tuple[int, str]]:
    """(id, name) of every service area, by name."""
    rows = db.session.execute(select(ServiceArea.id, ServiceArea.name).order_by(ServiceArea.name))
    return [(area_id, name) for area_id, name in rows]


def _sum(expression):
    return func.coalesce(func.sum(expression), 0)


PUPILS = func.coalesce(School.pupils_on_roll, 0)


def _add(counts: dict, area_id: int, apply) -> None:
    for key in (area_id, None):
        apply(counts[key])


def _now(counts: dict) -> None:
    """Schools and pupils per area, and those covered today (one query)."""
    covered = School.participation_status.in_(COVERED)
    for area_id, schools, pupils, schools_now, pupils_now in db.session.execute(
        select(
            School.area_id,
            func.count(),
            _sum(PUPILS),
            _sum(case((covered, 1), else_=0)),
            _sum(case((covered, PUPILS), else_=0)),
        ).group_by(School.area_id)
    ):

        def add(area: Counts, row=(schools, pupils, schools_now, pupils_now)) -> None:
            area.schools_total += int(row[0])
            area.pupils_total += int(row[1])
            area.schools_now += int(row[2])
            area.pupils_now += int(row[3])

        _add(counts, area_id, add)


def _at_year_ends(counts: dict, ended: range) -> None:
    """Schools and pupils covered at the end of each ended year, per area: each school's
    latest event before the year's end (by time, then id) is its status then (one
    query). Each event holds from its time until the school's next event: read once in
    order (the school's history index), it is matched to the year ends in that span."""
    if not ended:
        return
    ends = union_all(
        *(
            select(
                literal(year, Integer).label("year"),
                literal(end_of_day(academic_year_end(year)), UTCDateTime).label("cutoff"),
            )
            for year in ended
        )
    ).subquery("ends")
    event = ParticipationEvent
    spans = select(
        event.school_id,
        event.to_status,
        event.occurred_at.label("since"),
        func.lead(event.occurred_at)
        .over(partition_by=event.school_id, order_by=(event.occurred_at, event.id))
        .label("until"),
    ).subquery("spans")
    held_at_end = and_(
        spans.c.since < ends.c.cutoff, or_(spans.c.until.is_(None), spans.c.until >= ends.c.cutoff)
    )
    for area_id, year, schools, pupils in db.session.execute(
        select(School.area_id, ends.c.year, func.count(), _sum(PUPILS))
        .join(spans, spans.c.school_id == School.id)
        .join(ends, held_at_end)
        .where(spans.c.to_status.in_(COVERED))
        .group_by(School.area_id, ends.c.year)
    ):

        def add(area: Counts, row=(int(year), int(schools), int(pupils))) -> None:
            area.schools_at_end[row[0]] += row[1]
            area.pupils_at_end[row[0]] += row[2]

        _add(counts, area_id, add)


def _planned(counts: dict) -> None:
    """Schools and pupils assigned to a cohort, per area and cohort go-live date (one
    query, a row per area and date)."""
    for area_id, go_live, schools, pupils in db.session.execute(
        select(School.area_id, Cohort.go_live_date, func.count(), _sum(PUPILS))
        .join(Cohort, Cohort.id == School.cohort_id)
        .where(School.participation_status.in_(PLANNED))
        .group_by(School.area_id, Cohort.go_live_date)
    ):
        year = academic_year_of(go_live)

        def add(area: Counts, row=(year, int(schools), int(pupils))) -> None:
            area.planned_schools[row[0]] += row[1]
            area.planned_pupils[row[0]] += row[2]

        _add(counts, area_id, add)


def _waiting(area_names: dict[int, str]) -> tuple[WaitingSchool, ...]:
    """Schools whose status is interest registered, with the UTC date of their latest
    move to it, longest waiting first (one query)."""
    registered = (
        select(ParticipationEvent.school_id, func.max(ParticipationEvent.occurred_at).label("at"))
        .where(ParticipationEvent.to_status == ParticipationStatus.INTEREST_REGISTERED)
        .group_by(ParticipationEvent.school_id)
        .subquery("registered")
    )
    rows = db.session.execute(
        select(School.id, School.name, School.area_id, School.pupils_on_roll, registered.c.at)
        .outerjoin(registered, registered.c.school_id == School.id)
        .where(School.participation_status == ParticipationStatus.INTEREST_REGISTERED)
    )
    waiting = [
        WaitingSchool(
            school_id=school_id,
            name=name,
            area_id=area_id,
            area_name=area_names.get(area_id, ""),
            pupils=pupils,
            registered_on=None if at is None else at.date(),
        )
        for school_id, name, area_id, pupils, at in rows
    ]
    return tuple(sorted(waiting, key=waiting_order))


def load_rollout(area_list: list[tuple[int, str]]) -> Rollout:
    """Every figure of the report, from the register, the participation history and the
    cohorts, with the target year and trajectory from the configuration."""
    first_cohort_year = db.session.scalar(select(func.min(Cohort.academic_year)))
    target_year = current_app.config["ROLLOUT_TARGET_YEAR"]
    now = today()
    current_year = academic_year_of(now)
    counts: dict[int | None, Counts] = defaultdict(Counts)
    _now(counts)
    _planned(counts)
    _at_year_ends(
        counts, ended_years(years_shown(first_cohort_year, current_year, target_year), current_year)
    )
    return rollout_from_counts(
        areas=area_list,
        counts=counts,
        waiting=_waiting(dict(area_list)),
        first_cohort_year=first_cohort_year,
        today=now,
        target_year=target_year,
        trajectory_points=current_app.config["ROLLOUT_TRAJECTORY"],
    )
