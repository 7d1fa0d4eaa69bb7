"""The arithmetic of the rollout figures: rounding, the planned path, the projection and
sharing what is still needed between the years left (definitions in
:mod:`mhst.rollout.figures`)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from mhst.schools.models import ParticipationStatus

RATE_WINDOW = 3  # years that have ended, averaged for the projection
# A school in one of these statuses, with a cohort, is planned: it counts as covered in
# the projection from the academic year of its cohort's go-live date.
PLANNED = frozenset({ParticipationStatus.ASSIGNED_TO_COHORT, ParticipationStatus.ONBOARDING})


def round_half_up(value: Fraction, places: int = 0) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal place (None if whole is 0)."""
    return round_half_up(Fraction(100 * part, whole), 1) if whole else None


def trajectory(
    years: range, first_percent: Fraction, target_year: int, points: Mapping[int, float] | None
) -> dict[int, Fraction]:
    """The planned percentage of schools covered at the end of each year in ``years``."""
    anchors = {years[0]: first_percent, target_year: Fraction(100)}
    for year, value in (points or {}).items():
        anchors[int(year)] = Fraction(str(value))
        if not 0 <= anchors[int(year)] <= 100:
            raise ValueError(f"ROLLOUT_TRAJECTORY: {value} for {year} is not a percentage")
    ordered = sorted(anchors.items())
    keys = [year for year, _ in ordered]
    planned = {}
    for year in years:
        index = bisect_left(keys, year)
        if index == len(keys):
            planned[year] = ordered[-1][1]
        elif keys[index] == year or index == 0:
            planned[year] = ordered[index][1]
        else:
            (y0, p0), (y1, p1) = ordered[index - 1], ordered[index]
            planned[year] = p0 + (p1 - p0) * (year - y0) / (y1 - y0)
    return planned


def rate_per_year(covered_at_end: Mapping[int, int], first_year: int, current_year: int):
    """Average change per year over the last :data:`RATE_WINDOW` ended years (or None)."""
    span = min(RATE_WINDOW, current_year - first_year)
    if span <= 0:
        return None
    last = current_year - 1
    return Fraction(covered_at_end[last] - covered_at_end[last - span], span)


@dataclass(frozen=True)
class Projected:
    """A projected figure before it is kept within 0 and the total (None: no projection)."""

    value: Fraction | None

    def within(self, total: int) -> int | None:
        if self.value is None:
            return None
        return min(total, max(0, int(round_half_up(self.value))))


def project(
    now: int, planned: Mapping[int, int], rate: Fraction | None, year: int, current_year: int
) -> Projected:
    """The figure projected for the end of ``year``: today's, plus the planned schools (or
    pupils) by the academic year of their cohort's go-live (one already past counts in
    the current year), plus ``rate`` for each year after the last planned one."""
    if year < current_year:
        return Projected(None)
    planned_years = {max(at, current_year): 0 for at, n in planned.items() if n}
    for at, number in planned.items():
        if number:
            planned_years[max(at, current_year)] += number
    if rate is None and not planned_years:
        return Projected(None)
    last_planned = max([current_year, *planned_years])
    value = Fraction(now + sum(n for at, n in planned_years.items() if at <= year))
    if year > last_planned:
        if rate is None:
            return Projected(None)
        value += rate * (year - last_planned)
    return Projected(value)


def share_evenly(amount: int, parts: int) -> list[int]:
    """``amount`` in ``parts`` whole shares; the earlier shares take any remainder."""
    whole, remainder = divmod(amount, parts)
    return [whole + (1 if index < remainder else 0) for index in range(parts)]
