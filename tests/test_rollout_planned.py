"""The projection to 2029/30 with planned cohorts: planned schools count as covered from
the academic year of their cohort's go-live date, and the recent rate carries on only
after the last planned year. Checked against a hand calculation, and through the page.

The data set is tests/test_rollout.py's (7 schools, today 22 November 2026, in 2026/27)
with four more schools planned (or not) into cohorts; every expected number is worked
out in the comments next to it.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from bs4 import BeautifulSoup

from mhst.accounts.models import Role
from mhst.cohorts.models import Cohort
from mhst.extensions import db
from mhst.rollout.arithmetic import project
from mhst.rollout.figures import SchoolRow
from mhst.schools.models import ParticipationStatus as S
from mhst.schools.models import School
from tests.test_rollout import (
    NORTH,
    SOUTH,
    column,
    frozen_today,  # noqa: F401 - a fixture
    hand_data,  # noqa: F401 - a fixture
    hand_rollout,
    school_rows,
    table_rows,
)

# name: (area, pupils, status, cohort go-live date)
PLANNED = {
    # Go-live 10 Jan 2027: academic year 2026/27, this year.
    "P1": (NORTH, 120, S.ASSIGNED_TO_COHORT, date(2027, 1, 10)),
    # Go-live 6 Sep 2027: 2027/28.
    "P2": (SOUTH, 80, S.ONBOARDING, date(2027, 9, 6)),
    # Go-live 1 Sep 2025 has passed but the school is not active yet: counts this year.
    "P3": (NORTH, 60, S.ASSIGNED_TO_COHORT, date(2025, 9, 1)),
    # Assigned to cohort with no cohort recorded: no date, so not planned.
    "P4": (NORTH, 40, S.ASSIGNED_TO_COHORT, None),
}
# Totals: All 7 + 4 = 11 schools, 1750 + 300 = 2050 pupils.
#         North 4 + 3 = 7 schools, 1150 + 220 = 1370 pupils. South 3 + 1 = 4, 680.
# Rates from tests/test_rollout.py (the planned schools were never covered at a year's
# end): All 1/3 school and 500/3 pupils a year; North 2/3 and 200; South -1/3 and -100/3.


def planned_rows() -> list[SchoolRow]:
    return school_rows() + [
        SchoolRow(100 + number, name, area, pupils, status, go_live)
        for number, (name, (area, pupils, status, go_live)) in enumerate(PLANNED.items())
    ]


def test_planned_cohorts_first_then_the_recent_rate():
    rollout = hand_rollout(schools=planned_rows())
    total, north, south = rollout.total, rollout.for_area(NORTH), rollout.for_area(SOUTH)
    # All: today 4 schools, 1350 pupils. Planned in 2026/27: P1 + P3 = 2 schools, 180
    # pupils; in 2027/28: P2 = 1, 80. The last planned year is 2027/28, so:
    #   2026/27: 4 + 2 = 6, 1350 + 180 = 1530
    #   2027/28: 6 + 1 = 7, 1530 + 80 = 1610
    #   2028/29: 7 + 1/3 = 7.33 -> 7, 1610 + 166.67 = 1776.67 -> 1777
    #   2029/30: 7 + 2/3 = 7.67 -> 8, 1610 + 333.33 = 1943.33 -> 1943
    assert column(total, "projected_schools")[4:] == [6, 7, 7, 8]
    assert column(total, "projected_pupils")[4:] == [1530, 1610, 1777, 1943]
    assert str(total.projected_percent_at_target) == "72.7"  # 8 / 11 = 72.73
    # North: today 3, 850; planned in 2026/27 P1 + P3 = 2, 180; the last planned year is
    # 2026/27, then 2/3 school and 200 pupils a year:
    #   2026/27: 5, 1030; 2027/28: 5.67 -> 6, 1230; 2028/29: 6.33 -> 6, 1430 capped at
    #   1370; 2029/30: 7, 1630 capped at 1370.
    assert column(north, "projected_schools")[4:] == [5, 6, 6, 7]
    assert column(north, "projected_pupils")[4:] == [1030, 1230, 1370, 1370]
    # South: today 1, 500; planned in 2027/28 P2 = 1, 80; then -1/3 and -33.33 a year:
    #   2026/27: 1, 500 (no rate before the last planned year); 2027/28: 2, 580;
    #   2028/29: 1.67 -> 2, 546.67 -> 547; 2029/30: 1.33 -> 1, 513.33 -> 513.
    assert column(south, "projected_schools")[4:] == [1, 2, 2, 1]
    assert column(south, "projected_pupils")[4:] == [500, 580, 547, 513]
    # Years that have ended have no projection.
    assert column(total, "projected_schools")[:4] == [None] * 4


def test_planned_cohorts_project_even_before_any_year_has_ended():
    # First cohort 2026/27: no year has ended, so no rate: the planned years are
    # projected (6 in 2026/27, 7 in 2027/28) and the years after them are not.
    rollout = hand_rollout(schools=planned_rows(), first_cohort_year=2026)
    assert column(rollout.total, "projected_schools") == [6, 7, None, None]
    # With no planned school either there is no projection at all (as before).
    assert column(hand_rollout(first_cohort_year=2026).total, "projected_schools") == [None] * 4


@pytest.mark.parametrize(
    ("planned", "rate", "year", "expected"),
    [
        ({}, Fraction(1, 2), 2028, Fraction(11)),  # 10 + 2 years x 1/2
        ({2027: 3}, Fraction(1, 2), 2027, Fraction(13)),  # 10 + 3, no rate yet
        ({2027: 3}, Fraction(1, 2), 2029, Fraction(14)),  # 13 + 2 years x 1/2
        ({2024: 2, 2026: 1}, None, 2026, Fraction(13)),  # a past go-live counts now
        ({2027: 3}, None, 2028, None),  # after the plan, no rate: no projection
        ({2027: 0}, None, 2027, None),  # an empty year is no plan
        ({2027: 3}, Fraction(1), 2025, None),  # a year that has ended
    ],
)
def test_project_adds_planned_schools_then_the_rate(planned, rate, year, expected):
    assert project(10, planned, rate, year, 2026).value == expected


def test_the_page_projects_planned_cohorts(hand_data, frozen_today, auth, client, make_user):  # noqa: F811
    _, areas = hand_data
    cohorts = {}
    for number, (name, (area, pupils, status, go_live)) in enumerate(PLANNED.items()):
        cohort = None
        if go_live is not None:
            cohort = cohorts.setdefault(
                go_live,
                Cohort(name=f"Wave {go_live}", academic_year=go_live.year, go_live_date=go_live),
            )
        db.session.add(
            School(
                name=name,
                urn=f"{960000 + number:06d}",
                area=areas[area],
                pupils_on_roll=pupils,
                participation_status=status,
                cohort=cohort,
            )
        )
    db.session.commit()
    make_user(Role.CLINICAL_LEAD, email="lead@planned.example")
    auth.sign_in("lead@planned.example")
    response = client.get("/rollout/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    years = table_rows(soup, "Schools and pupils covered at the end of each academic year")
    assert [row[-2:] for row in years[4:]] == [
        ["6", "1,530"], ["7", "1,610"], ["7", "1,777"], ["8", "1,943"],
    ]  # fmt: skip
    summary = " ".join(soup.find("dl").get_text(" ", strip=True).split())
    assert "8 of 11 schools (72.7%) and 1,943 pupils covered by the end of 2029/30" in summary
    assert "planned cohorts first" in soup.get_text()
