"""Dates and academic years the rules depend on."""

from datetime import UTC, date, datetime

import pytest

from mhst.core.academic_year import academic_year_label, academic_year_of, parse_academic_year
from mhst.core.time import service_today


@pytest.mark.parametrize(
    ("now", "today"),
    [
        (datetime(2026, 7, 1, 23, 30, tzinfo=UTC), date(2026, 7, 2)),  # BST: already tomorrow
        (datetime(2026, 12, 1, 23, 30, tzinfo=UTC), date(2026, 12, 1)),  # GMT: same day
    ],
)
def test_today_is_the_uk_date(now, today):
    assert service_today(now) == today


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 8, 31), 2025), (date(2026, 9, 1), 2026), (date(2027, 1, 5), 2026)],
)
def test_academic_year_starts_on_1_september(day, year):
    assert academic_year_of(day) == year


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2019/20", 2019),
        ("2019", 2019),
        ("2099/00", 2099),
        ("2019/21", None),
        ("19/20", None),
        ("", None),
        ("abcd/ef", None),
    ],
)
def test_parse_academic_year(text, year):
    assert parse_academic_year(text) == year


def test_academic_year_label():
    assert academic_year_label(2029) == "2029/30"
    assert academic_year_label(2099) == "2099/00"
