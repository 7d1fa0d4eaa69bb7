"""The rollout figures: schools and pupils covered per area and academic year, against
the path to every school covered by the target year (2029/30).

Pure functions over plain rows, so they can be checked against a hand calculation
without a database (tests/test_rollout.py); :mod:`mhst.rollout.queries` loads the rows.

Definitions (the report page says the same in plain English):

- Academic year ``Y`` runs from 1 September ``Y`` to 31 August ``Y + 1``.
- The years shown run from the earliest cohort's academic year (or the current year, if
  that is earlier or there are no cohorts) to the target year.
- The universe is every school on the register in the area, today: the number of
  schools and the sum of their pupils on roll (a school with none recorded counts as 0).
- A school is covered at the end of a year that has ended if its status at the end of
  31 August (UTC) was active or paused: the status of its latest participation event
  at or before then, or not participating if it had none. For the current year its
  status today (the register's current status) is used; later years have projections
  only.
- Trajectory: the percentage of schools that should be covered at the end of each year.
  By default a straight line from the percentage covered at the end of the first year
  to 100% at the end of the target year. Configured points (``ROLLOUT_TRAJECTORY``,
  ``{year: percent}``) replace or add to those two points; between points the line is
  straight, and before the first or after the last it stays level.
- Projection: planned cohorts first, then the recent rate. A school assigned to a
  cohort (status assigned to cohort or onboarding, with a cohort) counts as covered from
  the end of the academic year of its cohort's go-live date (or of the current year, if
  that date has passed and it is not active yet). After the last year with such a
  planned school (or after the current year, if none), the average change in schools
  (and pupils) covered per year over the last three years that have ended (fewer if
  fewer have ended since the first year) is added for each further year. Rounded to
  whole schools and pupils, never below 0 or above the total. With no ended year and no
  planned school there is no projection; with planned schools but no ended year, the
  years after the last planned one have none.
- Needed: the schools (and pupils) not covered today, shared evenly between the years
  left up to and including the target year (the current year counts); when they do not
  divide exactly, the earlier years take one more.
- Waiting for a cohort: schools whose status is interest registered, oldest first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from mhst.core.academic_year import academic_year_end, academic_year_label, academic_year_of
from mhst.rollout.arithmetic import (
    PLANNED,
    percent,
    project,
    rate_per_year,
    round_half_up,
    share_evenly,
    trajectory,
)
from mhst.rollout.rows import EventRow, SchoolRow, WaitingSchool, waiting_list
from mhst.schools.models import ParticipationStatus
from mhst.schools.operations import COVERED


@dataclass(frozen=True)
class YearFigures:
    """One academic year of one area (or all areas).

    ``kind`` is ``actual`` (the year has ended), ``current`` (figures as at today) or
    ``projected`` (a later year: no covered figures, only the projection).
    """

    year: int
    kind: str
    schools_covered: int | None
    pupils_covered: int | None
    schools_percent: Decimal | None
    pupils_percent: Decimal | None
    trajectory_percent: Decimal
    projected_schools: int | None
    projected_pupils: int | None

    @property
    def label(self) -> str:
        return academic_year_label(self.year)


@dataclass(frozen=True)
class NeededYear:
    """What must join in one remaining year, and the covered totals it leads to."""

    year: int
    schools: int
    pupils: int
    schools_by_end: int
    pupils_by_end: int

    @property
    def label(self) -> str:
        return academic_year_label(self.year)


@dataclass(frozen=True)
class AreaRollout:
    """The rollout of one area, or of all areas when ``area_id`` is None."""

    name: str
    area_id: int | None
    schools_total: int
    pupils_total: int
    schools_now: int
    pupils_now: int
    years: tuple[YearFigures, ...]
    needed: tuple[NeededYear, ...]

    @property
    def schools_now_percent(self) -> Decimal | None:
        return percent(self.schools_now, self.schools_total)

    @property
    def pupils_now_percent(self) -> Decimal | None:
        return percent(self.pupils_now, self.pupils_total)

    @property
    def at_target(self) -> YearFigures:
        """The last year shown: the target year (or the current year, if later)."""
        return self.years[-1]

    @property
    def projected_percent_at_target(self) -> Decimal | None:
        projected = self.at_target.projected_schools
        return None if projected is None else percent(projected, self.schools_total)


@dataclass(frozen=True)
class Rollout:
    today: date
    current_year: int
    target_year: int
    total: AreaRollout
    areas: tuple[AreaRollout, ...]
    waiting: tuple[WaitingSchool, ...]

    def for_area(self, area_id: int | None) -> AreaRollout:
        """The figures of one area; all areas for None."""
        return next((a for a in self.areas if a.area_id == area_id), self.total)

    @property
    def target_label(self) -> str:
        return academic_year_label(self.target_year)

    @property
    def current_label(self) -> str:
        return academic_year_label(self.current_year)

    def waiting_in(self, area_id: int | None) -> tuple[WaitingSchool, ...]:
        return tuple(w for w in self.waiting if area_id is None or w.area_id == area_id)


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` ends, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), UTC)


def status_on(events: Sequence[EventRow], day: date) -> ParticipationStatus:
    """A school's status at the end of ``day``, from its events in time order."""
    cutoff = end_of_day(day)
    status = ParticipationStatus.NOT_PARTICIPATING
    for event in events:
        if event.occurred_at >= cutoff:
            break
        status = event.to_status
    return status


def years_shown(first_cohort_year: int | None, current_year: int, target_year: int) -> range:
    first = current_year if first_cohort_year is None else min(first_cohort_year, current_year)
    return range(first, max(target_year, current_year) + 1)


@dataclass
class Counts:
    """Schools and pupils of one area: in total, covered now, covered at each year's end."""

    schools_total: int = 0
    pupils_total: int = 0
    schools_now: int = 0
    pupils_now: int = 0
    schools_at_end: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    pupils_at_end: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    # Schools (and pupils) assigned to a cohort, by the academic year of its go-live date.
    planned_schools: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    planned_pupils: dict[int, int] = field(default_factory=lambda: defaultdict(int))


def needed_per_year(area: Counts, remaining: Sequence[int]) -> tuple[NeededYear, ...]:
    if not remaining:
        return ()
    schools = share_evenly(max(0, area.schools_total - area.schools_now), len(remaining))
    pupils = share_evenly(max(0, area.pupils_total - area.pupils_now), len(remaining))
    needed, schools_by_end, pupils_by_end = [], area.schools_now, area.pupils_now
    for year, add_schools, add_pupils in zip(remaining, schools, pupils, strict=True):
        schools_by_end += add_schools
        pupils_by_end += add_pupils
        needed.append(NeededYear(year, add_schools, add_pupils, schools_by_end, pupils_by_end))
    return tuple(needed)


def _count(
    schools: Iterable[SchoolRow], events: Iterable[EventRow], ended: range
) -> dict[int | None, Counts]:
    """Covered counts per area id (and None for all areas) at each ended year's end."""
    by_school: dict[int, list[EventRow]] = defaultdict(list)
    for event in sorted(events, key=lambda e: e.occurred_at):  # stable: keeps id order
        by_school[event.school_id].append(event)
    counts: dict[int | None, Counts] = defaultdict(Counts)
    for school in schools:
        for key in (school.area_id, None):
            area = counts[key]
            area.schools_total += 1
            area.pupils_total += school.pupils_counted
            if school.status in COVERED:
                area.schools_now += 1
                area.pupils_now += school.pupils_counted
            if school.status in PLANNED and school.cohort_go_live is not None:
                go_live_year = academic_year_of(school.cohort_go_live)
                area.planned_schools[go_live_year] += 1
                area.planned_pupils[go_live_year] += school.pupils_counted
        for year in ended:
            if status_on(by_school[school.id], academic_year_end(year)) in COVERED:
                for key in (school.area_id, None):
                    counts[key].schools_at_end[year] += 1
                    counts[key].pupils_at_end[year] += school.pupils_counted
    return counts


def _area_rollout(
    name: str,
    area_id: int | None,
    counts: Counts,
    years: range,
    current_year: int,
    target_year: int,
    points: Mapping[int, float] | None,
) -> AreaRollout:
    first = years[0]

    def covered(year: int, of_schools: bool) -> int:
        if year == current_year:
            return counts.schools_now if of_schools else counts.pupils_now
        return (counts.schools_at_end if of_schools else counts.pupils_at_end)[year]

    first_percent = (
        Fraction(100 * covered(first, True), counts.schools_total)
        if counts.schools_total
        else Fraction(0)
    )
    planned = trajectory(years, first_percent, target_year, points)
    school_rate = rate_per_year(counts.schools_at_end, first, current_year)
    pupil_rate = rate_per_year(counts.pupils_at_end, first, current_year)
    figures = []
    for year in years:
        kind = "actual" if year < current_year else "current" if year == current_year else None
        schools = covered(year, True) if kind else None
        pupils = covered(year, False) if kind else None
        figures.append(
            YearFigures(
                year=year,
                kind=kind or "projected",
                schools_covered=schools,
                pupils_covered=pupils,
                schools_percent=None if kind is None else percent(schools, counts.schools_total),
                pupils_percent=None if kind is None else percent(pupils, counts.pupils_total),
                trajectory_percent=round_half_up(planned[year], 1),
                projected_schools=project(
                    counts.schools_now, counts.planned_schools, school_rate, year, current_year
                ).within(counts.schools_total),
                projected_pupils=project(
                    counts.pupils_now, counts.planned_pupils, pupil_rate, year, current_year
                ).within(counts.pupils_total),
            )
        )
    return AreaRollout(
        name=name,
        area_id=area_id,
        schools_total=counts.schools_total,
        pupils_total=counts.pupils_total,
        schools_now=counts.schools_now,
        pupils_now=counts.pupils_now,
        years=tuple(figures),
        needed=needed_per_year(counts, range(current_year, target_year + 1)),
    )


def compute_rollout(
    *,
    areas: Sequence[tuple[int, str]],
    schools: Sequence[SchoolRow],
    events: Sequence[EventRow],
    first_cohort_year: int | None,
    today: date,
    target_year: int,
    trajectory_points: Mapping[int, float] | None = None,
) -> Rollout:
    """Every figure of the report, per area (in the order given) and for all areas, from
    the register's rows and the participation history (the page sums in SQL instead)."""
    current_year = academic_year_of(today)
    years = years_shown(first_cohort_year, current_year, target_year)
    return rollout_from_counts(
        areas=areas,
        counts=_count(schools, events, ended_years(years, current_year)),
        waiting=waiting_list(schools, events, dict(areas)),
        first_cohort_year=first_cohort_year,
        today=today,
        target_year=target_year,
        trajectory_points=trajectory_points,
    )


def ended_years(years: range, current_year: int) -> range:
    """Ended years from the one before the first shown (the projection may use it)."""
    return range(years[0] - 1, current_year)


def rollout_from_counts(
    *,
    areas: Sequence[tuple[int, str]],
    counts: Mapping[int | None, Counts],
    waiting: tuple[WaitingSchool, ...],
    first_cohort_year: int | None,
    today: date,
    target_year: int,
    trajectory_points: Mapping[int, float] | None = None,
) -> Rollout:
    """The report from the covered counts per area id (None: all areas) at each ended
    year's end (:func:`ended_years`) and the waiting list."""
    current_year = academic_year_of(today)
    years = years_shown(first_cohort_year, current_year, target_year)
    counts = defaultdict(Counts, counts)

    def build(name: str, area_id: int | None) -> AreaRollout:
        return _area_rollout(
            name, area_id, counts[area_id], years, current_year, target_year, trajectory_points
        )

    return Rollout(
        today=today,
        current_year=current_year,
        target_year=target_year,
        total=build("All areas", None),
        areas=tuple(build(name, area_id) for area_id, name in areas),
        waiting=waiting,
    )
