"""The rollout's status at each year end, summed in SQL (each event holds from its time
until the school's next one), against the report's pure calculation
(``compute_rollout``), for histories with events at the same instant and at the very
moment a year ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mhst.cohorts.models import Cohort
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.rollout import queries
from mhst.rollout.figures import compute_rollout, end_of_day
from mhst.rollout.rows import EventRow, SchoolRow
from mhst.schools.models import ParticipationEvent, School
from mhst.schools.models import ParticipationStatus as S

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)  # in 2026/27: 2022/23 to 2025/26 have ended
YEAR_END = end_of_day(date(2024, 8, 31))  # the first instant of 2024/25
MOMENTS = (
    datetime(2023, 1, 10, 9, tzinfo=UTC),
    YEAR_END - timedelta(microseconds=1),
    YEAR_END,
    YEAR_END + timedelta(microseconds=1),
    datetime(2025, 6, 1, 9, tzinfo=UTC),
)
histories = st.lists(
    st.lists(st.tuples(st.sampled_from(list(S)), st.sampled_from(MOMENTS)), max_size=5),
    min_size=1,
    max_size=4,
)


def _add(histories) -> tuple[list[tuple[int, str]], list[SchoolRow], list[EventRow]]:
    areas = [ServiceArea(name=f"Area {number}") for number in range(2)]
    db.session.add_all(
        [*areas, Cohort(name="Wave 1", academic_year=2022, go_live_date=date(2022, 9, 5))]
    )
    schools = []
    for number, history in enumerate(histories):
        school = School(
            name=f"School {number}",
            urn=f"{990000 + number:06d}",
            area=areas[number % 2],
            pupils_on_roll=100 + number,
            participation_status=history[-1][0] if history else S.NOT_PARTICIPATING,
        )
        db.session.add(school)
        db.session.flush()
        for status, when in history:  # one at a time: ids in the list's order
            db.session.add(ParticipationEvent(school=school, to_status=status, occurred_at=when))
            db.session.flush()
        schools.append(school)
    rows = db.session.scalars(select_events(schools)).all()
    events = [EventRow(row.school_id, row.to_status, row.occurred_at) for row in rows]
    return (
        [(area.id, area.name) for area in areas],
        [
            SchoolRow(s.id, s.name, s.area_id, s.pupils_on_roll, s.participation_status)
            for s in schools
        ],
        events,
    )


def select_events(schools):
    return (
        select(ParticipationEvent)
        .where(ParticipationEvent.school_id.in_([school.id for school in schools]))
        .order_by(ParticipationEvent.id)
    )


def _covered(rollout, area_id):
    return [(year.schools_covered, year.pupils_covered) for year in rollout.for_area(area_id).years]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=histories)
def test_the_sql_year_end_figures_match_the_pure_calculation(app, monkeypatch, histories):
    monkeypatch.setattr(queries, "utcnow", lambda: NOW)
    savepoint = db.session.begin_nested()
    try:
        areas, schools, events = _add(histories)
        loaded = queries.load_rollout(areas)
        expected = compute_rollout(
            areas=areas,
            schools=schools,
            events=events,  # in id order; the calculation sorts by time, keeping that order
            first_cohort_year=2022,
            today=NOW.date(),
            target_year=app.config["ROLLOUT_TARGET_YEAR"],
            trajectory_points=app.config["ROLLOUT_TRAJECTORY"],
        )
        for area_id in (None, *(area_id for area_id, _ in areas)):
            assert _covered(loaded, area_id) == _covered(expected, area_id)
    finally:
        savepoint.rollback()
