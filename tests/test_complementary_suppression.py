"""Complementary (secondary) suppression: no hidden count can be worked back from what is
shown, over random tables with their totals.

The property, precisely. Take a table of counts with its row and column totals and the
grand total (or only its column totals). A reader knows every shown figure (taken here
as exact, which rounding to 5 only makes harder for them) and that each line's cells add
up to its total. Then for every table:

1. every count of 1 to 7, a total included, is hidden;
2. no row or column holds exactly one hidden cell (else subtraction gives it);
3. no hidden cell is fixed by the lines' equations taken together. Checked here by the
   graph view, independent of the module's algebra: lines are nodes, each hidden cell an
   edge joining its row and its column; a hidden cell is fixed exactly when its edge is a
   bridge (no cycle of hidden cells runs through it). With column totals only, the
   columns share no cell, so a cell is fixed exactly when it is alone in its column.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from mhst.reports.cells import Count, Rate, Section
from mhst.reports.suppression import (
    SUPPRESSED,
    complementary,
    determined,
    is_small,
    lines_of,
    rounded,
    shown_rows,
    with_totals,
)

# Counts that are often small, sometimes 0, sometimes large.
COUNT = st.one_of(st.integers(0, 9), st.integers(0, 12), st.integers(0, 300))


def tables(max_rows: int = 6, max_columns: int = 5):
    return st.integers(1, max_rows).flatmap(
        lambda rows: st.integers(1, max_columns).flatmap(
            lambda columns: st.lists(
                st.lists(COUNT, min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            )
        )
    )


def bridges(hidden: set, rows: int, columns: int) -> set:
    """Hidden cells of a table with both totals whose edge is a bridge: removing it leaves
    its row and its column unconnected through other hidden cells."""

    def connected(start, goal, without) -> bool:
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            for cell in hidden - {without}:
                ends = (("row", cell[0]), ("column", cell[1]))
                if node in ends:
                    other = ends[1] if node == ends[0] else ends[0]
                    if other not in seen:
                        seen.add(other)
                        todo.append(other)
        return False

    return {cell for cell in hidden if not connected(("row", cell[0]), ("column", cell[1]), cell)}


def alone_in_a_line(hidden: set, lines) -> set:
    found = set()
    for line in lines:
        in_line = [cell for cell in line if cell in hidden]
        if len(in_line) == 1:
            found.add(in_line[0])
    return found


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_hidden_count_can_be_worked_back_with_both_totals(counts):
    rows, columns = len(counts), len(counts[0])
    values = with_totals(counts, row_totals=True, column_totals=True)
    assert len(values) == (rows + 1) * (columns + 1)
    hidden = complementary(counts)
    assert hidden <= set(values)
    assert {cell for cell, value in values.items() if is_small(value)} <= hidden  # 1
    lines = lines_of(rows, columns, row_totals=True, column_totals=True)
    assert alone_in_a_line(hidden, lines) == set()  # 2
    assert bridges(hidden, rows, columns) == set()  # 3
    if not any(is_small(value) for value in values.values()):
        assert hidden == set()  # nothing small, nothing hidden


@settings(max_examples=300, deadline=None)
@given(tables(max_rows=10, max_columns=3))
def test_no_hidden_count_can_be_worked_back_with_column_totals_only(counts):
    rows, columns = len(counts), len(counts[0])
    values = with_totals(counts, row_totals=False, column_totals=True)
    hidden = complementary(counts, row_totals=False)
    assert {cell for cell, value in values.items() if is_small(value)} <= hidden
    lines = lines_of(rows, columns, row_totals=False, column_totals=True)
    assert alone_in_a_line(hidden, lines) == set()
    assert determined(hidden, lines) == set()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda rows: st.integers(1, 4).flatmap(
            lambda columns: st.tuples(
                st.just((rows, columns)),
                st.sets(st.tuples(st.integers(0, rows), st.integers(0, columns))),
            )
        )
    )
)
def test_the_algebra_agrees_with_the_graph(shape_and_hidden):
    """``determined`` (exact elimination) finds exactly the bridges, for any hidden set."""
    (rows, columns), hidden = shape_and_hidden
    lines = lines_of(rows, columns, row_totals=True, column_totals=True)
    assert determined(hidden, lines) == bridges(hidden, rows, columns)


def test_a_worked_example():
    # GP 3 is small: alone in its column, the total less the others would give it, so
    # the next smallest, School 20, is hidden with it (and the rows' totals stand).
    counts = [[3, 40], [20, 30], [50, 60]]
    hidden = complementary(counts)
    assert hidden == {(0, 0), (1, 0), (0, 1), (1, 1)}  # two rows by two columns
    assert complementary([[3], [20], [40]], row_totals=False) == {(0, 0), (1, 0)}
    assert complementary([[0, 0], [10, 20]]) == set()


@settings(max_examples=200, deadline=None)
@given(st.lists(COUNT, min_size=1, max_size=8))
def test_a_sections_parts_of_a_total_cannot_be_worked_back(parts):
    """On a page or CSV: the rows' counts add up to the total they are shares of."""
    total = sum(parts)
    section = Section(
        "By source",
        ("Source", "Referrals", "Share"),
        tuple((f"Row {i}", Count(n), Rate(n, total)) for i, n in enumerate(parts)),
        parts_of_total=True,
    )
    shown = shown_rows(section, suppressed=True)
    stars = sum(row[1] == SUPPRESSED for row in shown)
    # With the total hidden (small), one hidden part is not alone; otherwise never one.
    assert stars + (1 if is_small(total) else 0) != 1
    for n, row in zip(parts, shown, strict=True):
        assert (row[1] == SUPPRESSED) or row[1] == str(rounded(n))
        if is_small(n):
            assert row[1] == SUPPRESSED
        if row[1] == SUPPRESSED:
            assert row[2] == SUPPRESSED  # the share would give the count back
        elif row[2] not in (SUPPRESSED, "-"):
            # Worked out from the rounded counts, as shown.
            percent = Decimal(100 * rounded(n)) / rounded(total)
            assert abs(Decimal(row[2].removesuffix("%")) - percent) <= Decimal("0.5")
    # Not for sharing: everything as it is.
    assert [row[1] for row in shown_rows(section, suppressed=False)] == [str(n) for n in parts]
