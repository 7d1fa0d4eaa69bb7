"""SQL pieces the reports share that must read the same on SQLite and PostgreSQL.

* :class:`days_between` - whole days from one date to a later one: ``julianday``
  difference on SQLite, date subtraction on PostgreSQL.
* :class:`utc_date` - the UTC calendar date of a stored UTC timestamp.
* :func:`percentile_sums` - the median and 90th percentile as PostgreSQL's
  ``percentile_cont`` defines them (linear interpolation between the two nearest
  values), from a histogram of the values and running totals (window functions, which
  both databases have).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

# --- dates ---------------------------------------------------------------------------


class days_between(FunctionElement):
    """``days_between(later, earlier)``: whole days from ``earlier`` to ``later``."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


class utc_date(FunctionElement):
    """The UTC date of a timestamp stored in UTC (``UTCDateTime``)."""

    type = Date()
    inherit_cache = True
    name = "utc_date"


@compiles(utc_date)
def _utc_date_default(element, compiler, **kw):
    (moment,) = list(element.clauses)
    return f"CAST(timezone('UTC', {compiler.process(moment, **kw)}) AS DATE)"


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element, compiler, **kw):
    (moment,) = list(element.clauses)
    return f"date({compiler.process(moment, **kw)})"


class month_start(FunctionElement):
    """The first day of a date's calendar month."""

    type = Date()
    inherit_cache = True
    name = "month_start"


@compiles(month_start)
def _month_start_default(element, compiler, **kw):
    (day,) = list(element.clauses)
    return f"CAST(date_trunc('month', {compiler.process(day, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    (day,) = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, 'start of month')"


def utc_day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The instants a UTC timestamp lies between (``>=`` first, ``<`` second) to fall on
    a UTC date from ``date_from`` to ``date_to``, both inclusive. Comparing the stored
    column with these keeps its index usable."""
    start = datetime.combine(date_from, time(), UTC)
    return start, datetime.combine(date_to + timedelta(days=1), time(), UTC)


def on_utc_dates(column, date_from: date, date_to: date) -> ColumnElement[bool]:
    start, end = utc_day_bounds(date_from, date_to)
    return and_(column >= start, column < end)


# --- percentiles ---------------------------------------------------------------------

# A percentile as an exact fraction (numerator, denominator), so the SQL stays in integers.
MEDIAN = (1, 2)
P90 = (9, 10)


def percentile_sums(values, value_column, group_column=None):
    """A SELECT of ``(group, cases, median_sum, p90_sum)`` over the non-null values of
    ``value_column`` in the subquery ``values``, per ``group_column`` (or overall, as the
    one group ``0``). Turn a row's sums into days with :func:`percentiles`."""
    table = percentile_table(values, {"only": (value_column, group_column)}).subquery("found")
    return select(table.c.grp, table.c.cases, table.c.median_sum, table.c.p90_sum)


def percentile_table(values, series: dict):
    """A SELECT of ``(series, group, cases, median_sum, p90_sum)`` for several series at
    once, in one statement: ``series`` maps a name to ``(value_column, group_column)``
    (``None``: overall, the one group ``0``) over the subquery or CTE ``values``.

    The values are whole days, so they are first counted per distinct value (a
    histogram: a few hundred rows however many cases); a running total of the counts
    gives each value's ranks. percentile_cont's position is ``h = p * (n - 1)`` (0-based)
    and its result ``x[floor(h)] + (h - floor(h)) * (x[floor(h) + 1] - x[floor(h)])``:
    scaled by the fraction's denominator ``d`` that is ``x[a] * (d - r) + x[a + 1] * r``
    with ``a`` and ``r`` the quotient and remainder of ``p * d * (n - 1)`` by ``d`` -
    whole numbers throughout; the caller divides the sum by ``d``.
    """
    parts = []
    for name, (value_column, group_column) in series.items():
        group = literal_column("0") if group_column is None else group_column
        parts.append(
            select(
                literal(name).label("series"),
                group.label("grp"),
                value_column.label("value"),
                func.count().label("cases"),
            )
            .select_from(values)
            .where(value_column.is_not(None))
            .group_by(*([] if group_column is None else [group_column]), value_column)
        )
    histogram = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("histogram")
    partition = (histogram.c.series, histogram.c.grp)
    ordered = select(
        histogram.c.series,
        histogram.c.grp,
        histogram.c.value,
        histogram.c.cases,
        (
            func.sum(histogram.c.cases).over(partition_by=partition, order_by=histogram.c.value)
            - histogram.c.cases
        ).label("before"),
        func.sum(histogram.c.cases).over(partition_by=partition).label("n"),
    ).subquery("ordered")
    columns = [ordered.c.series, ordered.c.grp, func.max(ordered.c.n).label("cases")]
    for label, (numerator, denominator) in (("median_sum", MEDIAN), ("p90_sum", P90)):
        scaled = numerator * (ordered.c.n - 1)
        at = _quotient(scaled, denominator)
        remainder = scaled - at * denominator
        columns.append(
            func.sum(
                _holding(ordered, at) * ordered.c.value * (denominator - remainder)
                + _holding(ordered, at + 1) * ordered.c.value * remainder
            ).label(label)
        )
    return select(*columns).group_by(ordered.c.series, ordered.c.grp)


def _quotient(scaled, denominator: int):
    """Whole-number division of a non-negative integer expression (both databases
    truncate an integer division)."""
    return cast(scaled, Integer) // literal(denominator, Integer)


def _holding(ordered, rank):
    """1 when the histogram row holds the (0-based) ``rank``, else 0."""
    return case(
        (and_(ordered.c.before <= rank, rank < ordered.c.before + ordered.c.cases), 1), else_=0
    )


@dataclass(frozen=True)
class Percentiles:
    cases: int
    median: Decimal | None
    p90: Decimal | None


NO_CASES = Percentiles(0, None, None)


def percentiles(row) -> Percentiles:
    """A :func:`percentile_sums` row as days (exact decimals)."""
    _group, cases, median_sum, p90_sum = row
    return Percentiles(
        int(cases),
        Decimal(int(median_sum)) / MEDIAN[1],
        Decimal(int(p90_sum)) / P90[1],
    )


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(date_from: date, date_to: date) -> tuple[date, date] | None:
    """The first days of the first and last calendar months lying wholly within the
    dates, or None when no month does."""
    first = date_from if date_from.day == 1 else next_month(date_from)
    if (date_to + timedelta(days=1)).day == 1:
        last = date_to.replace(day=1)
    else:
        last = (date_to.replace(day=1) - timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else None
