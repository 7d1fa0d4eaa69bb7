"""The commissioner's view of the rollout: the rollout report's figures as report sections,
always shown with small-number suppression (:mod:`mhst.reports.suppression`), and no
school named.

The sections:

- coverage today and each year for all areas, with the trajectory and the projection;
- coverage today by area, and schools covered at the end of each year by area - each
  column's counts are parts of the all-areas figure, so they get complementary
  suppression against it;
- coverage by deprivation decile and by free-school-meals band - parts of all schools.

The readings ("are the most deprived covered first?") compare percentages worked out
from rounded counts, and are left out when either side's percentage would be hidden.
"""

from __future__ import annotations

from mhst.reports.cells import Count, Rate, Section
from mhst.reports.suppression import SUPPRESSED, show
from mhst.rollout.figures import AreaRollout, Rollout, YearFigures
from mhst.rollout.need import NeedCoverage, NeedLine, deprivation_reading, fsm_reading

NO_FIGURE = "-"
COVERAGE_COLUMNS = (
    "Schools",
    "Schools covered",
    "Schools covered (%)",
    "Pupils",
    "Pupils covered",
    "Pupils covered (%)",
)


def suppressed_share(covered: int, schools: int) -> str | None:
    """The share of schools covered as a commissioner may see it (None: hidden)."""
    text = show(Rate(covered, schools), suppressed=True)
    return None if text in (SUPPRESSED, NO_FIGURE) else text


def readings(need: NeedCoverage) -> tuple[str, str]:
    return deprivation_reading(need, suppressed_share), fsm_reading(need, suppressed_share)


def _count(value: int | None):
    return NO_FIGURE if value is None else Count(value)


def _year_label(year: YearFigures) -> str:
    suffix = {"current": " (to date)", "projected": " (future)"}.get(year.kind, "")
    return year.label + suffix


def _year_row(area: AreaRollout, year: YearFigures) -> tuple:
    known = year.schools_covered is not None
    return (
        _year_label(year),
        _count(year.schools_covered),
        Rate(year.schools_covered, area.schools_total) if known else NO_FIGURE,
        _count(year.pupils_covered),
        Rate(year.pupils_covered, area.pupils_total) if known else NO_FIGURE,
        f"{year.trajectory_percent}%",
        _count(year.projected_schools),
        _count(year.projected_pupils),
    )


def _coverage_row(label: str, area: AreaRollout) -> tuple:
    return (
        label,
        Count(area.schools_total),
        Count(area.schools_now),
        Rate(area.schools_now, area.schools_total),
        Count(area.pupils_total),
        Count(area.pupils_now),
        Rate(area.pupils_now, area.pupils_total),
    )


def _need_row(line: NeedLine) -> tuple:
    return (
        line.label,
        Count(line.schools),
        Count(line.schools_covered),
        Rate(line.schools_covered, line.schools),
        Count(line.pupils),
        Count(line.pupils_covered),
        Rate(line.pupils_covered, line.pupils),
    )


def summary_sections(rollout: Rollout, need: NeedCoverage) -> tuple[Section, ...]:
    total, target = rollout.total, rollout.target_label
    shown_years = [y for y in total.years if y.kind != "projected"]
    return (
        Section(
            title="Coverage today: all areas",
            columns=("", *COVERAGE_COLUMNS),
            rows=(_coverage_row("All areas", total),),
        ),
        Section(
            title="Schools and pupils covered at the end of each academic year: all areas",
            columns=(
                "Academic year",
                "Schools covered",
                "Schools covered (%)",
                "Pupils covered",
                "Pupils covered (%)",
                "Trajectory (% of schools)",
                "Projected schools covered",
                "Projected pupils covered",
            ),
            rows=tuple(_year_row(total, year) for year in total.years),
        ),
        Section(
            title="Coverage today by area",
            columns=("Area", *COVERAGE_COLUMNS, f"Projected schools covered by {target}"),
            rows=tuple(
                (*_coverage_row(area.name, area), _count(area.at_target.projected_schools))
                for area in rollout.areas
            ),
            parts_of_total=True,
        ),
        Section(
            title="Schools covered at the end of each academic year, by area",
            columns=("Area", *(_year_label(year) for year in shown_years)),
            rows=tuple(
                (
                    area.name,
                    *(Count(year.schools_covered or 0) for year in area.years[: len(shown_years)]),
                )
                for area in rollout.areas
            ),
            parts_of_total=True,
        ),
        Section(
            title="Coverage by deprivation decile (1 is the most deprived 10% of areas)",
            columns=("Deprivation decile", *COVERAGE_COLUMNS),
            rows=tuple(_need_row(line) for line in need.deciles),
            parts_of_total=True,
        ),
        Section(
            title="Coverage by pupils eligible for free school meals",
            columns=("Pupils eligible for free school meals", *COVERAGE_COLUMNS),
            rows=tuple(_need_row(line) for line in need.bands),
            parts_of_total=True,
        ),
    )
