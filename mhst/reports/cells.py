"""The figures a report is made of, typed so that suppression knows what each one is.

A report is a list of :class:`Section` tables. Each row starts with its label (text) and
then holds cells: a :class:`Count`, a :class:`Rate` (a share of a denominator), or a
:class:`Days` figure (a median or percentile of a number of cases). Text cells are
labels and are never suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Count:
    value: int


@dataclass(frozen=True)
class Rate:
    """``numerator`` out of ``denominator``, shown as a percentage."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        return Decimal(100 * self.numerator) / Decimal(self.denominator)


@dataclass(frozen=True)
class Days:
    """A number of days summarising ``cases`` cases (``None``: no cases)."""

    value: Decimal | float | None
    cases: int


@dataclass(frozen=True)
class Score:
    """A mean or other summary of outcome scores over ``cases`` cases."""

    value: Decimal | float | None
    cases: int


Cell = str | Count | Rate | Days | Score


@dataclass(frozen=True)
class Section:
    """One table of a report. ``chart`` asks for a bar chart of the first figure column."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: bool = False
    note: str | None = None
    # The rows' counts are parts of a total the reader has (each row one part, as
    # referrals by source): suppression then hides enough of them that a hidden count
    # cannot be worked back from the total (``suppression.complementary``).
    parts_of_total: bool = False


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    sections: tuple[Section, ...] = field(default_factory=tuple)
