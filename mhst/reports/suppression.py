"""Small-number suppression for figures that leave the service.

The rule (NHS practice for published counts, stated on every suppressed page as
:data:`RULE`): a count of 1 to 7 is shown as ``*``; any other count is rounded to the
nearest 5 (halves up: 8 -> 10, 12 -> 10, 13 -> 15); 0 stays 0. A percentage is shown only
when its numerator, its denominator and the difference between them are each 0 or 8 and
over (else 96% of 23 would give away a count of 1), and is worked out from the unrounded
counts; a median or other summary needs at least 8 cases behind it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from mhst.reports.cells import Cell, Count, Days, Rate, Score, Section

SUPPRESSED = "*"
SMALLEST_SHOWN = 8
RULE = (
    "Counts of 1 to 7 are shown as * and all other counts are rounded to the nearest 5. "
    "Percentages are shown only where their count, the total it is a share of, and the "
    "difference between the two are each 8 or more (or 0), and "
    "medians and averages only where they summarise 8 or more cases."
)


def is_small(count: int) -> bool:
    return 1 <= count < SMALLEST_SHOWN


def suppress_count(count: int) -> str:
    if is_small(count):
        return SUPPRESSED
    return str(int((Decimal(count) / 5).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 5))


def _whole(value: Decimal) -> str:
    return str(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _one_place(value: Decimal | float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def show(cell: Cell, *, suppressed: bool) -> str:
    """The text shown (on the page or in a CSV) for a cell."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, Count):
        return suppress_count(cell.value) if suppressed else str(cell.value)
    if isinstance(cell, Rate):
        if cell.denominator == 0:
            return "-"
        # The rest of the denominator counts too: 96% of 23 would give away a 1.
        rest = cell.denominator - cell.numerator
        if suppressed and any(is_small(n) for n in (cell.numerator, cell.denominator, rest)):
            return SUPPRESSED
        return f"{_whole(cell.percent)}%"
    if isinstance(cell, Days | Score):
        if cell.value is None or cell.cases == 0:
            return "-"
        if suppressed and cell.cases < SMALLEST_SHOWN:
            return SUPPRESSED
        text = _one_place(cell.value)
        return text.removesuffix(".0") if isinstance(cell, Days) else text
    raise TypeError(f"not a report cell: {cell!r}")


def shown_rows(section: Section, *, suppressed: bool) -> list[list[str]]:
    """The text of every cell of ``section``, as the page and the CSV both show it."""
    return [[show(cell, suppressed=suppressed) for cell in row] for row in section.rows]
