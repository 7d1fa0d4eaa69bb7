"""Coverage by need: are the most deprived schools covered first?

Pure functions over plain rows (a row per area, IMD decile and free-school-meals band,
or a school as a row of one), so they can be checked against a hand calculation without
a database (tests/test_rollout_need.py); :mod:`mhst.rollout.need_queries` loads the rows.

Definitions (the report page says the same in plain English):

- The schools are every school on the register in the area today, and their pupils on
  roll (none recorded counts as 0), as on the rest of the report.
- A school is covered if its status today is active or paused.
- Its deprivation decile is that of the area it stands in (IMD: 1 is the most deprived
  10% of areas in England, 10 the least), and its free-school-meals band that of the
  percentage of its pupils eligible (:data:`mhst.need.models.FSM_BANDS`), as the latest
  need import recorded them; a school with no figure is counted under "Not known".
- The reading compares the most deprived 30% of areas (deciles 1 to 3) with the rest
  where the decile is known (4 to 10), and schools where 30% or more of pupils are
  eligible for free school meals with those where fewer are; schools not known are left
  out of both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from mhst.need.models import FSM_BANDS, fsm_band
from mhst.rollout.arithmetic import percent

NOT_KNOWN = "Not known"
DECILES = tuple(range(1, 11))
MOST_DEPRIVED = frozenset({1, 2, 3})  # the most deprived 30% of areas
HIGH_FSM = frozenset(label for label, lowest, _ in FSM_BANDS if lowest >= 30)


@dataclass(frozen=True)
class NeedRow:
    """Schools of one area with one decile and band (None: not known), and how many of
    them (and of their pupils) are covered."""

    area_id: int
    imd_decile: int | None
    fsm_band: str | None
    schools: int
    schools_covered: int
    pupils: int
    pupils_covered: int

    @classmethod
    def school(
        cls,
        area_id: int,
        imd_decile: int | None,
        fsm_percent: Decimal | None,
        pupils: int | None,
        covered: bool,
    ) -> NeedRow:
        """One school as a row of one."""
        counted = pupils or 0
        return cls(
            area_id, imd_decile, fsm_band(fsm_percent), 1, int(covered), counted, counted * covered
        )


@dataclass(frozen=True)
class NeedLine:
    """One decile or band: schools and pupils, and those covered."""

    label: str
    schools: int = 0
    schools_covered: int = 0
    pupils: int = 0
    pupils_covered: int = 0

    @property
    def schools_percent(self) -> Decimal | None:
        return percent(self.schools_covered, self.schools)

    @property
    def pupils_percent(self) -> Decimal | None:
        return percent(self.pupils_covered, self.pupils)

    def plus(self, row: NeedRow) -> NeedLine:
        return NeedLine(
            self.label,
            self.schools + row.schools,
            self.schools_covered + row.schools_covered,
            self.pupils + row.pupils,
            self.pupils_covered + row.pupils_covered,
        )


@dataclass(frozen=True)
class NeedCoverage:
    deciles: tuple[NeedLine, ...]  # 1 to 10, then not known
    bands: tuple[NeedLine, ...]  # FSM_BANDS in order, then not known

    def deprivation_sides(self) -> tuple[NeedLine, NeedLine]:
        """(deciles 1 to 3, deciles 4 to 10) added up."""
        return _sides(self.deciles[:-1], lambda line: int(line.label) in MOST_DEPRIVED)

    def fsm_sides(self) -> tuple[NeedLine, NeedLine]:
        """(30% or more eligible for free school meals, under 30%) added up."""
        return _sides(self.bands[:-1], lambda line: line.label in HIGH_FSM)


def _sides(lines: Iterable[NeedLine], first: Callable[[NeedLine], bool]):
    sides = [NeedLine("first"), NeedLine("rest")]
    for line in lines:
        side = 0 if first(line) else 1
        sides[side] = sides[side].plus(
            NeedRow(0, None, None, line.schools, line.schools_covered, line.pupils, 0)
        )
    return sides[0], sides[1]


def need_coverage(rows: Iterable[NeedRow], area_id: int | None = None) -> NeedCoverage:
    """Coverage by decile and by band, of one area or (None) of all areas."""
    deciles = {decile: NeedLine(str(decile)) for decile in DECILES}
    deciles[None] = NeedLine(NOT_KNOWN)
    bands = {label: NeedLine(label) for label, _, _ in FSM_BANDS}
    bands[None] = NeedLine(NOT_KNOWN)
    for row in rows:
        if area_id is not None and row.area_id != area_id:
            continue
        decile = row.imd_decile if row.imd_decile in deciles else None
        band = row.fsm_band if row.fsm_band in bands else None
        deciles[decile] = deciles[decile].plus(row)
        bands[band] = bands[band].plus(row)
    return NeedCoverage(tuple(deciles.values()), tuple(bands.values()))


def coverage_by_area(rows: Iterable[NeedRow]) -> dict[int | None, NeedCoverage]:
    """Coverage by need of each area with schools, and of all areas (key None), in one
    pass over the rows."""
    by_area: dict[int | None, list[NeedRow]] = {None: []}
    for row in rows:
        by_area[None].append(row)
        by_area.setdefault(row.area_id, []).append(row)
    return {key: need_coverage(area_rows) for key, area_rows in by_area.items()}


# How a side's share of schools covered is shown: the percentage as text, or None when
# it may not be shown (no schools, or hidden by suppression on the commissioner's page).
ShareText = Callable[[int, int], str | None]


def exact_share(covered: int, schools: int) -> str | None:
    value = percent(covered, schools)
    return None if value is None else f"{value}%"


def _compare(first: str, rest: str) -> str:
    a, b = Decimal(first.rstrip("%")), Decimal(rest.rstrip("%"))
    return "ahead of" if a > b else "behind" if a < b else "level with"


def deprivation_reading(coverage: NeedCoverage, share: ShareText = exact_share) -> str:
    """One sentence: are schools in the most deprived areas covered first?"""
    deprived, rest = coverage.deprivation_sides()
    first, other = (
        share(deprived.schools_covered, deprived.schools),
        share(rest.schools_covered, rest.schools),
    )
    if deprived.schools + rest.schools == 0:
        return "No school has a deprivation decile recorded yet."
    if first is None or other is None:
        return (
            "Too few schools have a deprivation decile on one side to compare the most "
            "deprived 30% of areas with the rest."
        )
    return (
        f"In the most deprived 30% of areas (deciles 1 to 3) {first} of schools are "
        f"covered, against {other} elsewhere (deciles 4 to 10): the most deprived areas "
        f"are {_compare(first, other)} the rest."
    )


def fsm_reading(coverage: NeedCoverage, share: ShareText = exact_share) -> str:
    """One sentence: are schools with many pupils eligible for free meals covered first?"""
    high, rest = coverage.fsm_sides()
    first, other = (
        share(high.schools_covered, high.schools),
        share(rest.schools_covered, rest.schools),
    )
    if high.schools + rest.schools == 0:
        return "No school has a free school meals figure recorded yet."
    if first is None or other is None:
        return (
            "Too few schools have a free school meals figure on one side to compare "
            "schools where 30% or more of pupils are eligible with the rest."
        )
    return (
        f"Where 30% or more of pupils are eligible for free school meals {first} of "
        f"schools are covered, against {other} where fewer are: they are "
        f"{_compare(first, other)} the rest."
    )
