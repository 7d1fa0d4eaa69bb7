"""SQL pieces the reports share that must read the same on SQLite and PostgreSQL.

* :class:`days_between` - whole days from one date to a later one: ``julianday``
  difference on SQLite, date subtraction on PostgreSQL.
* :class:`utc_date` - the UTC calendar date of a stored UTC timestamp.
* :func:`percentile_sums` - the median and 90th percentile as PostgreSQL's
  ``percentile_cont`` defines them (linear interpolation between the two nearest
  values), from ``ROW_NUMBER``/``COUNT`` window functions, which both databases have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, Date, Integer, and_, case, func, literal_column, select
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


def _weighted(value, rank, n, fraction: tuple[int, int]):
    """``value`` weighted by how close its (0-based) rank is to the percentile's position.

    percentile_cont's position is ``h = p * (n - 1)`` and its result
    ``x[floor(h)] + (h - floor(h)) * (x[ceil(h)] - x[floor(h)])``: the rows at distance
    ``d = |rank - h| < 1`` weighted ``1 - d``. Scaled by the denominator everything is a
    whole number; the caller divides the sum by the denominator.
    """
    numerator, denominator = fraction
    distance = func.abs((rank - 1) * denominator - numerator * (n - 1))
    return case((distance < denominator, value * (denominator - distance)), else_=0)


def percentile_sums(values, value_column, group_column=None):
    """A SELECT of ``(group, cases, median_sum, p90_sum)`` over the non-null values of
    ``value_column`` in the subquery ``values``, per ``group_column`` (or overall, as the
    one group ``0``). Turn a row's sums into days with :func:`percentiles`."""
    partition = None if group_column is None else [group_column]
    group = literal_column("0") if group_column is None else group_column
    ranked = (
        select(
            group.label("grp"),
            value_column.label("value"),
            func.row_number().over(partition_by=partition, order_by=value_column).label("rank"),
            func.count().over(partition_by=partition).label("n"),
        )
        .select_from(values)
        .where(value_column.is_not(None))
        .subquery("ranked")
    )
    value, rank, n = ranked.c.value, ranked.c.rank, ranked.c.n
    return select(
        ranked.c.grp,
        func.max(n),
        func.sum(_weighted(value, rank, n, MEDIAN)),
        func.sum(_weighted(value, rank, n, P90)),
    ).group_by(ranked.c.grp)


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
