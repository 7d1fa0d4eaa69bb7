"""How the service writes dates and times: one place decides "2 November 2026".

Each function is called from Python (flash messages, rule messages, report notes, CSV
files) and is a Jinja filter of the same name (registered by ``mhst.core.templating``):
``{{ referral.received_on | format_date }}``.

Moments are stored as aware UTC datetimes; people read them in UK time
(``SERVICE_TIME_ZONE``, Europe/London), so every function given a datetime shows it in
UK time, except the ``_utc`` ones, whose text says UTC. Month and day names are spelled
here rather than by ``strftime``, so the output depends neither on the platform (``%-d``
is glibc only) nor on the locale.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from mhst.core.time import SERVICE_TIME_ZONE

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _in_zone(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; moments are aware (mhst.core.time.utcnow())")
    return moment.astimezone(zone)


def uk_time(moment: datetime) -> datetime:
    """An aware datetime as UK local time. A naive one is refused: its zone is unknown."""
    return _in_zone(moment, SERVICE_TIME_ZONE)


def _day(value: date | datetime) -> date:
    """A date as it is, or a moment's date in UK time."""
    return uk_time(value).date() if isinstance(value, datetime) else value


def format_date(value: date | datetime | None) -> str:
    """ "2 November 2026" (a moment: its date in UK time); "" for None."""
    if value is None:
        return ""
    day = _day(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_date_short(value: date | datetime | None) -> str:
    """ "2 Nov 2026", for table columns and chart axes; "" for None."""
    if value is None:
        return ""
    day = _day(value)
    return f"{day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def format_time(moment: datetime) -> str:
    """The UK time of day on the 24-hour clock: "09:30", "14:05"."""
    local = uk_time(moment)
    return f"{local.hour:02d}:{local.minute:02d}"


def format_datetime(moment: datetime | None) -> str:
    """ "2 November 2026 at 14:05", in UK time; "" for None."""
    if moment is None:
        return ""
    return f"{format_date(moment)} at {format_time(moment)}"


def format_datetime_with_day(moment: datetime) -> str:
    """ "Tuesday 3 November 2026 at 14:30", in UK time: when an appointment is."""
    return f"{WEEKDAYS[uk_time(moment).weekday()]} {format_datetime(moment)}"


def format_datetime_utc(moment: datetime | None) -> str:
    """ "2 November 2026 at 14:05 UTC", for the pages that show UTC; "" for None."""
    if moment is None:
        return ""
    utc = _in_zone(moment, UTC)
    return f"{format_date(utc.date())} at {utc.hour:02d}:{utc.minute:02d} UTC"


def format_timestamp_utc(moment: datetime) -> str:
    """ "2026-11-02 14:05:09", to the second in UTC: the audit log's machine-like column."""
    utc = _in_zone(moment, UTC)
    return f"{utc.date().isoformat()} {utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}"


def format_period(start: date, end: date) -> str:
    """ "1 March 2026 to 31 March 2026": both days included."""
    return f"{format_date(start)} to {format_date(end)}"


def iso_date(value: date | None) -> str:
    """ "2026-11-02" for files other systems read; "" for None."""
    return value.isoformat() if value is not None else ""


FILTERS = (
    format_date,
    format_date_short,
    format_time,
    format_datetime,
    format_datetime_with_day,
    format_datetime_utc,
    format_timestamp_utc,
    format_period,
    iso_date,
)
