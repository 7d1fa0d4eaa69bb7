"""The planner's queries: the need score as one SQL expression (the same arithmetic as
:mod:`mhst.planning.score`), the waiting schools ranked by it, and a team's capacity.

At national size (14,000 waiting schools) the ranking is done by the database: one
query reads the waiting schools with their figures, orders them by the score and returns
the top ``limit``; a page runs the same few queries however many schools there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Float, Integer, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from mhst.extensions import db
from mhst.need.models import SchoolNeed
from mhst.organisation.models import Team
from mhst.planning.score import (
    COMPONENTS,
    FSM_FULL_AT,
    WAITING_FULL_AT_DAYS,
    Figures,
    Weights,
)
from mhst.schools.models import ParticipationEvent, ParticipationStatus, School

S = ParticipationStatus
# Waiting for a place: the first is the planner's default; the others on request.
INTEREST_ONLY = (S.INTEREST_REGISTERED,)
ALL_WAITING = (S.INTEREST_REGISTERED, S.NOT_PARTICIPATING, S.LEFT)
# A team's schools that take its capacity.
TAKING_CAPACITY = (S.ACTIVE, S.ONBOARDING, S.ASSIGNED_TO_COHORT)
DEFAULT_LIMIT = 100


class days_since(FunctionElement):
    """``days_since(moment, day)``: whole days from a UTC timestamp's date to ``day``."""

    type = Integer()
    inherit_cache = True
    name = "days_since"


@compiles(days_since)
def _days_since_default(element, compiler, **kw):
    moment, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({day} AS DATE) - CAST(timezone('UTC', {moment}) AS DATE))"


@compiles(days_since, "sqlite")
def _days_since_sqlite(element, compiler, **kw):
    moment, day = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({day}) - julianday(date({moment})) AS INTEGER)"


def _interest_since():
    """When each school last registered interest (a subquery by school)."""
    return (
        select(
            ParticipationEvent.school_id.label("school_id"),
            func.max(ParticipationEvent.occurred_at).label("registered_at"),
        )
        .where(ParticipationEvent.to_status == S.INTEREST_REGISTERED)
        .group_by(ParticipationEvent.school_id)
        .subquery("interest_since")
    )


def _scaled(value, full_at: float) -> ColumnElement:
    """``min(value / full_at, 1)`` as a float; NULL stays NULL."""
    return case((value >= full_at, 1.0), (value <= 0, 0.0), else_=cast(value, Float) / full_at)


def component_expressions(interest, today: date) -> dict[str, ColumnElement]:
    """Each component, 0 to 1 or NULL (missing), as :func:`score.components` defines it."""
    days = days_since(interest.c.registered_at, literal(today.isoformat()))
    return {
        "deprivation": cast(10 - SchoolNeed.imd_decile, Float) / 9.0,
        "fsm": _scaled(SchoolNeed.fsm_percent, FSM_FULL_AT),
        "wellbeing": _scaled(SchoolNeed.low_wellbeing_percent, 100),
        "belonging": _scaled(SchoolNeed.belonging_low_percent, 100),
        # A school that has not registered interest has waited 0 days (known, not missing).
        "waiting": case(
            (School.participation_status != S.INTEREST_REGISTERED, 0.0),
            else_=_scaled(days, WAITING_FULL_AT_DAYS),
        ),
    }


def score_expression(parts: dict[str, ColumnElement], weights: Weights) -> ColumnElement:
    """100 x (sum of weight x component) / (sum of the weights of known components)."""
    numerator = sum(
        (func.coalesce(parts[name] * getattr(weights, name), 0.0) for name in COMPONENTS),
        literal(0.0),
    )
    divisor = sum(
        (case((parts[name].is_(None), 0), else_=getattr(weights, name)) for name in COMPONENTS),
        literal(0),
    )
    return case((divisor == 0, None), else_=100.0 * numerator / divisor)


def fewer_figures_expression(parts: dict[str, ColumnElement], weights: Weights) -> ColumnElement:
    """1 when a figure with a weight above 0 is missing, else 0."""
    missing = [
        case((parts[name].is_(None), 1), else_=0)
        for name in COMPONENTS
        if getattr(weights, name) > 0
    ]
    return case((sum(missing, literal(0)) > 0, 1), else_=0)


@dataclass(frozen=True)
class Filters:
    statuses: tuple[ParticipationStatus, ...] = INTEREST_ONLY
    area_id: int | None = None
    team: Team | None = None


def _where(filters: Filters) -> list[ColumnElement]:
    where = [School.participation_status.in_(filters.statuses)]
    if filters.area_id is not None:
        where.append(School.area_id == filters.area_id)
    if filters.team is not None:  # the team's area, and no other team's schools
        where.append(School.area_id == filters.team.area_id)
        where.append((School.team_id.is_(None)) | (School.team_id == filters.team.id))
    return where


@dataclass(frozen=True)
class Ranked:
    rank: int
    school: School
    figures: Figures
    score: float | None


def _ranked_select(weights: Weights, filters: Filters, today: date, *, whole_rows: bool):
    """The waiting schools with their score and rank (``whole_rows``: the school and its
    figures too; else only the school's id)."""
    interest = _interest_since()
    parts = component_expressions(interest, today)
    score = score_expression(parts, weights).label("score")
    fewer = fewer_figures_expression(parts, weights).label("fewer")
    days = days_since(interest.c.registered_at, literal(today.isoformat())).label("days")
    rank = func.row_number().over(order_by=(score.desc().nulls_last(), School.id)).label("rank")
    columns = (School, SchoolNeed, days) if whole_rows else (School.id, fewer)
    query = (
        select(*columns, score, rank)
        .select_from(School)
        .outerjoin(SchoolNeed, SchoolNeed.school_id == School.id)
        .outerjoin(interest, interest.c.school_id == School.id)
        .where(*_where(filters))
    )
    return query, score


def ranked_schools(
    weights: Weights, filters: Filters, today: date, *, limit: int = DEFAULT_LIMIT
) -> list[Ranked]:
    """The top ``limit`` waiting schools by need score (ties: the older record first)."""
    query, score = _ranked_select(weights, filters, today, whole_rows=True)
    query = query.order_by(score.desc().nulls_last(), School.id).limit(limit)
    rows = db.session.execute(query.options(db.joinedload(School.area))).all()
    return [_ranked(row) for row in rows]


def ranks_of(
    school_ids: list[int], weights: Weights, filters: Filters, today: date
) -> dict[int, tuple[int, float | None, int]]:
    """The rank, score and whether a figure was missing (1) of each of ``school_ids``
    among all the waiting schools."""
    query, _score = _ranked_select(weights, filters, today, whole_rows=False)
    ranked = query.subquery("ranked")
    rows = db.session.execute(
        select(ranked.c.id, ranked.c.rank, ranked.c.score, ranked.c.fewer).where(
            ranked.c.id.in_(school_ids)
        )
    ).all()
    return {row.id: (row.rank, row.score, row.fewer) for row in rows}


def _ranked(row) -> Ranked:
    school, need, days, score, rank = row
    waiting = days if school.participation_status is S.INTEREST_REGISTERED else 0
    figures = Figures(
        fsm_percent=need.fsm_percent if need else None,
        imd_decile=need.imd_decile if need else None,
        low_wellbeing_percent=need.low_wellbeing_percent if need else None,
        belonging_low_percent=need.belonging_low_percent if need else None,
        days_waiting=waiting,
    )
    return Ranked(rank=rank, school=school, figures=figures, score=score)


@dataclass(frozen=True)
class Capacity:
    team: Team
    schools: int
    pupils: int
    design_pupils: int

    @property
    def remaining(self) -> int:
        return max(self.design_pupils - self.pupils, 0)


def team_capacity(team: Team, design_pupils: int) -> Capacity:
    """The team's schools and pupils (active, onboarding or assigned to a cohort)."""
    schools, pupils = db.session.execute(
        select(func.count(School.id), func.coalesce(func.sum(School.pupils_on_roll), 0)).where(
            School.team_id == team.id, School.participation_status.in_(TAKING_CAPACITY)
        )
    ).one()
    return Capacity(team, int(schools), int(pupils), design_pupils)


@dataclass(frozen=True)
class Planned:
    ranked: Ranked
    running_pupils: int
    fits: bool | None  # None: no team chosen


def running_totals(rows: list[Ranked], capacity: Capacity | None) -> list[Planned]:
    """Down the ranked list, the pupils so far and whether each school still fits."""
    total, planned = 0, []
    for row in rows:
        total += row.school.pupils_on_roll or 0
        fits = None if capacity is None else total <= capacity.remaining
        planned.append(Planned(row, total, fits))
    return planned


def as_decimal(score: float | None) -> Decimal | None:
    return None if score is None else Decimal(str(round(score, 2)))
