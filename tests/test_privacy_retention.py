"""Retention dates (the Records Management Code): to the 25th birthday, or the 26th if
the child was 17 at the end of treatment, with 29 February birthdays on 1 March in other
years; checked against an age computed another way, over many dates (Hypothesis)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from config import TestConfig
from mhst.privacy.retention import RetentionRule, age_on, anniversary, is_past, retain_until

RULE = RetentionRule()
births = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
leap_births = st.integers(1992, 2028).filter(calendar.isleap).map(lambda y: date(y, 2, 29))


def oracle_age(born: date, day: date) -> int:
    """Age by comparing (month, day), a 29 February birthday counted from 1 March in a
    year that is not a leap year."""
    birthday = (born.month, born.day)
    if birthday == (2, 29) and not calendar.isleap(day.year):
        birthday = (3, 1)
    return day.year - born.year - ((day.month, day.day) < birthday)


@settings(deadline=None)  # pure arithmetic; a loaded machine must not fail it
@given(born=births | leap_births, days=st.integers(0, 40 * 366))
def test_age_on_agrees_with_counting_birthdays_another_way(born, days):
    day = born + timedelta(days=days)
    assert age_on(born, day) == oracle_age(born, day)


@settings(deadline=None)
@given(
    born=births | leap_births,
    end_age_days=st.integers(4 * 365, 17 * 366 + 364),
    today_days=st.integers(0, 30 * 366),
)
def test_a_childs_record_is_past_retention_the_day_after_the_birthday_the_rule_names(
    born, end_age_days, today_days
):
    ended = born + timedelta(days=end_age_days)
    age_at_end = oracle_age(born, ended)
    if age_at_end > 17:
        return  # the adult rule is tested below
    keep_to = 26 if age_at_end == 17 else 25
    today = ended + timedelta(days=today_days)
    until = retain_until(born, ended, RULE)
    assert oracle_age(born, until) == keep_to
    assert oracle_age(born, until - timedelta(days=1)) == keep_to - 1
    assert is_past(until, today) is (oracle_age(born, today - timedelta(days=1)) >= keep_to)


@settings(deadline=None)
@given(born=births | leap_births, extra_days=st.integers(0, 8 * 366))
def test_a_young_person_of_18_or_more_at_the_end_is_kept_at_least_as_long(born, extra_days):
    ended = anniversary(born, 18) + timedelta(days=extra_days)
    until = retain_until(born, ended, RULE)
    assert until >= anniversary(born, 26)
    assert until >= anniversary(ended, 8)
    assert until >= retain_until(born, anniversary(born, 17), RULE)


@pytest.mark.parametrize(
    ("born", "ended", "until"),
    [
        (date(2008, 2, 29), date(2024, 6, 1), date(2033, 3, 1)),  # 25th: 2033 is not leap
        (date(2008, 2, 29), date(2025, 3, 1), date(2034, 3, 1)),  # 17 on 1 March 2025
        (date(2008, 2, 29), date(2025, 2, 28), date(2033, 3, 1)),  # still 16 that day
        (date(2007, 2, 28), date(2024, 2, 28), date(2033, 2, 28)),  # 17 on the birthday
        (date(2007, 2, 28), date(2024, 2, 27), date(2032, 2, 28)),  # 16 the day before
        (date(2004, 2, 29), date(2020, 1, 1), date(2029, 3, 1)),
        (date(2003, 2, 28), date(2019, 3, 1), date(2028, 2, 28)),
    ],
)
def test_birthdays_on_and_around_29_february(born, ended, until):
    assert retain_until(born, ended, RULE) == until
    assert not is_past(until, until)
    assert is_past(until, until + timedelta(days=1))


def test_anniversary_of_29_february():
    assert anniversary(date(2008, 2, 29), 4) == date(2012, 2, 29)
    assert anniversary(date(2008, 2, 29), 1) == date(2009, 3, 1)


def test_the_ages_are_settings():
    assert RetentionRule.from_config(_config()) == RULE  # 25, 26 if 17 at the end
    other = RetentionRule.from_config({**_config(), "RETENTION_AGE": 21, "RETENTION_AGE_LATE": 22})
    born = date(2010, 5, 5)
    assert retain_until(born, date(2020, 1, 1), other) == date(2031, 5, 5)
    assert retain_until(born, date(2027, 6, 1), other) == date(2032, 5, 5)


def _config() -> dict:
    return {
        name: getattr(TestConfig, name)
        for name in (
            "RETENTION_AGE",
            "RETENTION_AGE_LATE",
            "RETENTION_LATE_END_AGE",
            "ADULT_RETENTION_YEARS",
        )
    }
