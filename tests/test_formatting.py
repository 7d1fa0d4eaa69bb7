"""The one formatter of dates and times (mhst.core.formatting), used by Python and
templates alike: every date from 1900 to 2100, and UK time either side of the clock
changes of 2026 and 2027."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import render_template_string
from hypothesis import given
from hypothesis import strategies as st

from mhst.core.formatting import (
    MONTHS,
    format_date,
    format_date_short,
    format_datetime,
    format_datetime_utc,
    format_datetime_with_day,
    format_period,
    format_time,
    format_timestamp_utc,
    iso_date,
)

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))

# UK summer time (UTC+1) starts at 01:00 UTC on the last Sunday of March and ends at
# 01:00 UTC on the last Sunday of October. Written out here, not asked of zoneinfo.
CLOCK_CHANGES = {
    2026: (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)),
    2027: (datetime(2027, 3, 28, 1, tzinfo=UTC), datetime(2027, 10, 31, 1, tzinfo=UTC)),
}
CHANGES = [change for pair in CLOCK_CHANGES.values() for change in pair]


def uk_offset(moment: datetime) -> timedelta:
    summer_starts, summer_ends = CLOCK_CHANGES[moment.year]
    return timedelta(hours=1) if summer_starts <= moment < summer_ends else timedelta(0)


def near_a_change():
    """Instants up to two days either side of one of the four clock changes, to the second."""
    return st.builds(
        lambda change, seconds: change + timedelta(seconds=seconds),
        st.sampled_from(CHANGES),
        st.integers(min_value=-2 * 86400, max_value=2 * 86400),
    )


@given(DATES)
def test_a_date_has_no_leading_zero_and_reads_back(day):
    text = format_date(day)
    number, month, year = re.fullmatch(r"([1-9]\d?) ([A-Z][a-z]+) (\d{4})", text).groups()
    assert date(int(year), MONTHS.index(month) + 1, int(number)) == day


@given(DATES)
def test_a_short_date_has_no_leading_zero_and_reads_back(day):
    text = format_date_short(day)
    number, month, year = re.fullmatch(r"([1-9]\d?) ([A-Z][a-z]{2}) (\d{4})", text).groups()
    months = [name[:3] for name in MONTHS]
    assert date(int(year), months.index(month) + 1, int(number)) == day


@given(DATES)
def test_an_iso_date_reads_back(day):
    assert date.fromisoformat(iso_date(day)) == day


@given(near_a_change())
def test_times_either_side_of_the_clock_changes_are_uk_time(moment):
    local = moment + uk_offset(moment)
    assert format_time(moment) == f"{local.hour:02d}:{local.minute:02d}"
    assert format_date(moment) == format_date(local.date())
    assert format_datetime(moment) == f"{format_date(local.date())} at {format_time(moment)}"


@given(near_a_change())
def test_the_same_instant_in_another_zone_formats_the_same(moment):
    elsewhere = moment.astimezone(timezone(timedelta(hours=-5)))
    assert format_datetime(elsewhere) == format_datetime(moment)
    assert format_datetime_utc(elsewhere) == format_datetime_utc(moment)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        # The last minute of GMT and the first of summer time, 29 March 2026.
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "29 March 2026 at 00:59"),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026 at 02:00"),
        # 00:30 UTC on 25 October 2026 is 01:30 summer time; an hour later, 01:30 GMT.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 October 2026 at 01:30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 October 2026 at 01:30"),
        # Late on a summer evening in UTC is already the next day in the UK.
        (datetime(2027, 7, 31, 23, 30, tzinfo=UTC), "1 August 2027 at 00:30"),
        (datetime(2027, 12, 31, 23, 30, tzinfo=UTC), "31 December 2027 at 23:30"),
    ],
)
def test_datetime_examples(moment, text):
    assert format_datetime(moment) == text


def test_the_other_formats():
    moment = datetime(2026, 11, 3, 9, 5, 7, tzinfo=UTC)
    assert format_datetime_with_day(moment) == "Tuesday 3 November 2026 at 09:05"
    assert format_datetime_utc(datetime(2026, 7, 1, 13, 30, tzinfo=UTC)) == (
        "1 July 2026 at 13:30 UTC"
    )
    assert format_timestamp_utc(moment) == "2026-11-03 09:05:07"
    assert format_period(date(2026, 3, 1), date(2026, 3, 31)) == "1 March 2026 to 31 March 2026"
    assert format_date_short(date(2026, 9, 1)) == "1 Sep 2026"


def test_nothing_formats_as_empty_text():
    assert format_date(None) == format_date_short(None) == ""
    assert format_datetime(None) == format_datetime_utc(None) == iso_date(None) == ""


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        format_time(datetime(2026, 11, 3, 9, 5))


def test_the_formatters_are_template_filters(app):
    with app.test_request_context():
        html = render_template_string(
            "{{ day | format_date }}; {{ moment | format_datetime }}",
            day=date(2026, 11, 2),
            moment=datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        )
    assert html == "2 November 2026; 1 June 2026 at 09:00"
