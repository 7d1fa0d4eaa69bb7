"""The rollout figures, and coverage by need, as CSV rows (the report's downloads)."""

from __future__ import annotations

from collections.abc import Sequence

from mhst.rollout.figures import Rollout
from mhst.rollout.need import NeedCoverage

CSV_COLUMNS = (
    "area",
    "academic_year",
    "schools_total",
    "schools_covered",
    "schools_covered_percent",
    "pupils_total",
    "pupils_covered",
    "pupils_covered_percent",
    "trajectory_percent",
    "projected_schools_covered",
    "projected_pupils_covered",
    "kind",
)


def csv_rows(rollout: Rollout, area_id: int | None = None) -> list[list[object]]:
    """The per-year figures of all areas and each area (or of one area), header first.

    ``kind`` is ``actual`` for years that have ended and the current year (as at
    today), ``projected`` for later years.
    """
    shown = [rollout.for_area(area_id)] if area_id else [rollout.total, *rollout.areas]
    rows: list[list[object]] = [list(CSV_COLUMNS)]
    for area in shown:
        for year in area.years:
            values = [
                area.name,
                year.label,
                area.schools_total,
                year.schools_covered,
                year.schools_percent,
                area.pupils_total,
                year.pupils_covered,
                year.pupils_percent,
                year.trajectory_percent,
                year.projected_schools,
                year.projected_pupils,
                "projected" if year.kind == "projected" else "actual",
            ]
            rows.append(["" if value is None else value for value in values])
    return rows


NEED_CSV_COLUMNS = (
    "area",
    "measure",
    "group",
    "schools_total",
    "schools_covered",
    "schools_covered_percent",
    "pupils_total",
    "pupils_covered",
    "pupils_covered_percent",
)


def need_csv_rows(shown: Sequence[tuple[str, NeedCoverage]]) -> list[list[object]]:
    """Coverage by IMD decile (``imd_decile``) and free-school-meals band (``fsm_band``)
    of each (area name, coverage) given, header first."""
    rows: list[list[object]] = [list(NEED_CSV_COLUMNS)]
    for name, coverage in shown:
        for measure, lines in (("imd_decile", coverage.deciles), ("fsm_band", coverage.bands)):
            for line in lines:
                values = [
                    name,
                    measure,
                    line.label,
                    line.schools,
                    line.schools_covered,
                    line.schools_percent,
                    line.pupils,
                    line.pupils_covered,
                    line.pupils_percent,
                ]
                rows.append(["" if value is None else value for value in values])
    return rows
