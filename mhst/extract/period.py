"""The period an extract covers: whole days in UK time, at most 366 of them.

MHSDS is submitted monthly, so the page offers the previous full calendar month. A record
belongs to the period by its own date, read in UK time (a session at 23:30 UTC on 31 March
in summer time is on 1 April).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from mhst.core.formatting import format_period
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE

MAX_DAYS = 366
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both included."""

    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        """The first moment of ``start`` in UK time, as UTC."""
        return _uk_midnight(self.start)

    @property
    def ends_before(self) -> datetime:
        """The first moment after ``end`` in UK time, as UTC."""
        return _uk_midnight(self.end + timedelta(days=1))

    @property
    def label(self) -> str:
        return format_period(self.start, self.end)


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SERVICE_TIME_ZONE).astimezone(UTC)


def uk_date_and_time(moment: datetime) -> tuple[date, time]:
    local = moment.astimezone(SERVICE_TIME_ZONE)
    return local.date(), local.time().replace(microsecond=0)


def uk_day_and_time_text(moment: datetime) -> tuple[str, str]:
    """:func:`uk_date_and_time` as ISO text, from one conversion and one ``isoformat``
    (a national extract converts a million contacts). A naive moment is UTC (SQLite)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.astimezone(SERVICE_TIME_ZONE).isoformat()
    return text[:10], text[11:19]


def previous_month(today: date) -> Period:
    """The last full calendar month before ``today``'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end)


def check_period(start: date, end: date, today: date) -> Period:
    """The period, or a :class:`RuleError` naming the date that is wrong."""
    if start < EARLIEST:
        raise RuleError("date_from", "The start date must be on or after 1 January 2000")
    if start > today:
        raise RuleError("date_from", "The start date must be today or in the past")
    if end < start:
        raise RuleError("date_to", "The end date must be the same as or after the start date")
    if (end - start).days + 1 > MAX_DAYS:
        raise RuleError("date_to", f"The period must be {MAX_DAYS} days or shorter")
    return Period(start, end)
