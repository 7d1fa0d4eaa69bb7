"""Small-number suppression for figures that leave the service.

The rule (NHS practice for published counts, stated on every suppressed page as
:data:`RULE`):

* **Primary suppression.** A count of 1 to 7 is shown as ``*``; any other count is
  rounded to the nearest 5 (halves up: 8 -> 10, 12 -> 10, 13 -> 15); 0 stays 0.
* **Complementary (secondary) suppression** (:func:`complementary`). Where counts add up
  to a total the reader also has (a table's row or column totals, or the total a section's
  rows are shares of), one hidden count in such a line could be worked back by
  subtracting the shown counts from the total. So wherever a line holds exactly one
  hidden cell, the next smallest count in that line is hidden too, over rows and columns
  again and again until nothing changes; and then, while any hidden count can still be
  solved exactly from all the lines' equations together (treating every shown figure as
  exact, which rounding only makes harder), a further count beside it is hidden.
* A percentage is shown only when its numerator, its denominator and the difference
  between them are each 0 or 8 and over (else 96% of 23 would give away a count of 1),
  never for a hidden count, and is worked out from the *rounded* counts as shown, so it
  tells nothing the counts do not; a median or other summary needs at least 8 cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from mhst.reports.cells import Cell, Count, Days, Rate, Score, Section

SUPPRESSED = "*"
SMALLEST_SHOWN = 8
RULE = (
    "Counts of 1 to 7 are shown as * and all other counts are rounded to the nearest 5. "
    "Where a hidden count could be worked out from a total, the next smallest counts "
    "that add up to the same total are shown as * too. "
    "Percentages are worked out from the rounded counts and shown only where their "
    "count, the total it is a share of, and the difference between the two are each "
    "8 or more (or 0), and "
    "medians and averages only where they summarise 8 or more cases."
)


def is_small(count: int) -> bool:
    return 1 <= count < SMALLEST_SHOWN


def rounded(count: int) -> int:
    """``count`` to the nearest 5, halves up."""
    return int((Decimal(count) / 5).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 5)


def suppress_count(count: int) -> str:
    if is_small(count):
        return SUPPRESSED
    return str(rounded(count))


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
        if not suppressed:
            return f"{_whole(cell.percent)}%"
        if any(is_small(n) for n in (cell.numerator, cell.denominator, rest)):
            return SUPPRESSED
        # From the rounded counts, as shown: the percentage adds nothing to them.
        return f"{_whole(Decimal(100 * rounded(cell.numerator)) / rounded(cell.denominator))}%"
    if isinstance(cell, Days | Score):
        if cell.value is None or cell.cases == 0:
            return "-"
        if suppressed and cell.cases < SMALLEST_SHOWN:
            return SUPPRESSED
        text = _one_place(cell.value)
        return text.removesuffix(".0") if isinstance(cell, Days) else text
    raise TypeError(f"not a report cell: {cell!r}")


def shown_rows(section: Section, *, suppressed: bool) -> list[list[str]]:
    """The text of every cell of ``section``, as the page and the CSV both show it.

    When the section's rows are parts of a total (``Section.parts_of_total``), each
    column of counts gets complementary suppression against that total, and a row whose
    count is hidden has its percentages hidden too (they would give the count back)."""
    rows = [[show(cell, suppressed=suppressed) for cell in row] for row in section.rows]
    if not (suppressed and section.parts_of_total):
        return rows
    columns = sorted(
        {i for row in section.rows for i, cell in enumerate(row) if isinstance(cell, Count)}
    )
    for column in columns:
        counts = [
            [row[column].value if isinstance(row[column], Count) else 0] for row in section.rows
        ]
        for r, _c in complementary(counts, row_totals=False, column_totals=True):
            if r < len(rows):  # not the total itself, which this section does not show
                rows[r][column] = SUPPRESSED
                for i, cell in enumerate(section.rows[r]):
                    if isinstance(cell, Rate):
                        rows[r][i] = SUPPRESSED
    return rows


# ---- complementary suppression ----------------------------------------------------------

Position = tuple[int, int]  # (row, column) in the table with its totals


def lines_of(
    rows: int, columns: int, *, row_totals: bool, column_totals: bool
) -> list[list[Position]]:
    """The lines a reader can add up: each is a list of cells whose sum is the line's
    last cell, its total. Row totals sit in column ``columns``, column totals in row
    ``rows``, and when there are both, the grand total at (``rows``, ``columns``) is the
    total of the totals row and of the totals column."""
    width = columns + (1 if row_totals else 0)
    height = rows + (1 if column_totals else 0)
    lines = []
    if row_totals:
        lines += [[(r, c) for c in range(width)] for r in range(height)]
    if column_totals:
        lines += [[(r, c) for r in range(height)] for c in range(width)]
    return lines


def with_totals(
    counts: Sequence[Sequence[int]], *, row_totals: bool, column_totals: bool
) -> dict[Position, int]:
    """Every cell of ``counts`` (rows of equal length) and of its totals, by position."""
    values = {(r, c): value for r, row in enumerate(counts) for c, value in enumerate(row)}
    rows, columns = len(counts), len(counts[0]) if counts else 0
    if row_totals:
        for r in range(rows):
            values[(r, columns)] = sum(counts[r])
    if column_totals:
        for c in range(columns + (1 if row_totals else 0)):
            values[(rows, c)] = sum(values[(r, c)] for r in range(rows))
    return values


def determined(hidden: set[Position], lines: list[list[Position]]) -> set[Position]:
    """The hidden cells a reader could work out exactly: those whose value follows from
    the lines' equations (each line's cells add up to its total) with every shown figure
    known. Exact linear algebra: a cell is determined when its unit vector lies in the
    span of the equations restricted to the hidden cells."""
    order = sorted(hidden)
    index = {cell: i for i, cell in enumerate(order)}
    basis: list[tuple[int, list[Fraction]]] = []  # reduced rows, by pivot column
    for line in lines:
        vector = [Fraction(0)] * len(order)
        for position, cell in enumerate(line):
            if cell in index:  # the parts add up to the total, the line's last cell
                vector[index[cell]] = Fraction(-1 if position == len(line) - 1 else 1)
        _reduce_into(basis, vector)
    return {cell for cell in order if not any(_reduced(basis, _unit(len(order), index[cell])))}


def _unit(size: int, at: int) -> list[Fraction]:
    vector = [Fraction(0)] * size
    vector[at] = Fraction(1)
    return vector


def _reduced(basis, vector: list[Fraction]) -> list[Fraction]:
    vector = list(vector)
    for pivot, row in basis:
        if vector[pivot]:
            factor = vector[pivot] / row[pivot]
            vector = [v - factor * r for v, r in zip(vector, row, strict=True)]
    return vector


def _reduce_into(basis, vector: list[Fraction]) -> None:
    vector = _reduced(basis, vector)
    pivot = next((i for i, v in enumerate(vector) if v), None)
    if pivot is not None:
        basis.append((pivot, vector))


def _next_smallest(values: dict[Position, int], cells, hidden: set[Position]):
    """The shown cell of ``cells`` to hide next: the smallest count, a 0 only when no
    other is left (hiding a 0 protects little), the first by position among equals."""
    shown = [cell for cell in cells if cell not in hidden]
    return min(shown, key=lambda cell: (values[cell] == 0, values[cell], cell), default=None)


def complementary(
    counts: Sequence[Sequence[int]], *, row_totals: bool = True, column_totals: bool = True
) -> set[Position]:
    """The cells of ``counts`` and its totals (see :func:`lines_of`) to hide: the small
    ones, and enough others that none of them can be worked out from what is shown."""
    rows, columns = len(counts), len(counts[0]) if counts else 0
    values = with_totals(counts, row_totals=row_totals, column_totals=column_totals)
    lines = lines_of(rows, columns, row_totals=row_totals, column_totals=column_totals)
    hidden = {cell for cell, value in values.items() if is_small(value)}
    while True:
        lonely = [line for line in lines if sum(cell in hidden for cell in line) == 1]
        if lonely:  # one hidden cell alone in a line: hide the line's next smallest
            for line in lonely:
                if sum(cell in hidden for cell in line) == 1:
                    hidden.add(_next_smallest(values, line, hidden))
            continue
        exposed = sorted(determined(hidden, lines))
        if not exposed:
            return hidden
        # Still solvable from the lines together: hide another count beside it.
        cell = exposed[0]
        beside = [other for line in lines if cell in line for other in line]
        more = _next_smallest(values, beside, hidden) or _next_smallest(values, values, hidden)
        if more is None:  # everything is hidden already
            return hidden
        hidden.add(more)
