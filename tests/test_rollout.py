"""The rollout report: figures checked against a hand calculation, the page, the CSV.

The data set: two areas, seven schools, participation events from 2022 to 2026, the
first cohort in 2022/23 and "today" 22 November 2026 (in 2026/27). Every expected number
below is worked out by hand in the comments next to it.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from bs4 import BeautifulSoup

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.cohorts.models import Cohort
from mhst.extensions import db
from mhst.organisation.models import ServiceArea
from mhst.rollout import queries
from mhst.rollout.arithmetic import share_evenly, trajectory
from mhst.rollout.chart import render_chart
from mhst.rollout.csv_rows import csv_rows
from mhst.rollout.figures import EventRow, SchoolRow, compute_rollout, status_on, years_shown
from mhst.schools.models import ParticipationEvent, School
from mhst.schools.models import ParticipationStatus as S

TODAY = date(2026, 11, 22)  # academic year 2026/27
DASH = "\N{EN DASH}"  # shown for a figure that does not exist (with hidden text)
NORTH, SOUTH = 1, 2


def at(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


JOIN_2022 = [
    (S.ASSIGNED_TO_COHORT, at(2022, 6, 1)),
    (S.ONBOARDING, at(2022, 7, 1)),
]

# name: (area, pupils on roll, [(status moved to, when)])
DATA = {
    # Active 20 Sep 2023: covered from the end of 2023/24, not at the end of 2022/23.
    "N1": (NORTH, 400, [*JOIN_2022, (S.ACTIVE, at(2023, 9, 20))]),
    # Active at 23:30 on 31 Aug 2024: still covered at the end of 2023/24.
    "N2": (
        NORTH,
        200,
        [
            (S.ASSIGNED_TO_COHORT, at(2024, 5, 1)),
            (S.ONBOARDING, at(2024, 6, 1)),
            (S.ACTIVE, at(2024, 8, 31, 23, 30)),
        ],
    ),
    # Waiting for a cohort since 10 Mar 2025.
    "N3": (NORTH, 300, [(S.INTEREST_REGISTERED, at(2025, 3, 10))]),
    # Active at 00:00 on 1 Sep 2026: not covered at the end of 2025/26; covered today.
    "N4": (
        NORTH,
        250,
        [
            (S.ASSIGNED_TO_COHORT, at(2026, 6, 1)),
            (S.ONBOARDING, at(2026, 7, 1)),
            (S.ACTIVE, at(2026, 9, 1, 0, 0)),
        ],
    ),
    # Active Oct 2022; paused 15 Jun 2024 (paused still counts at the end of 2023/24);
    # active again Oct 2024.
    "S1": (
        SOUTH,
        500,
        [
            *JOIN_2022,
            (S.ACTIVE, at(2022, 10, 1)),
            (S.PAUSED, at(2024, 6, 15)),
            (S.ACTIVE, at(2024, 10, 1)),
        ],
    ),
    # Active Jan 2023; left at 00:00 on 1 Sep 2025: covered at the end of 2024/25, not after.
    "S2": (
        SOUTH,
        100,
        [
            (S.ASSIGNED_TO_COHORT, at(2022, 11, 1)),
            (S.ONBOARDING, at(2022, 12, 1)),
            (S.ACTIVE, at(2023, 1, 10)),
            (S.LEFT, at(2025, 9, 1, 0, 0)),
        ],
    ),
    # No pupils recorded (counts as 0); waiting since 1 Nov 2024, longer than N3.
    "S3": (SOUTH, None, [(S.INTEREST_REGISTERED, at(2024, 11, 1))]),
}
# Totals. North: 4 schools, 400 + 200 + 300 + 250 = 1150 pupils.
#         South: 3 schools, 500 + 100 + 0 = 600 pupils.  All: 7 schools, 1750 pupils.
#
# Covered at the end of each year (31 August) and today:
#   2021/22 (31 Aug 2022): nobody                     North 0 (0)    South 0 (0)
#   2022/23 (31 Aug 2023): S1, S2                     North 0 (0)    South 2 (600)
#   2023/24 (31 Aug 2024): N1, N2, S1 paused, S2      North 2 (600)  South 2 (600)
#   2024/25 (31 Aug 2025): N1, N2, S1, S2             North 2 (600)  South 2 (600)
#   2025/26 (31 Aug 2026): N1, N2, S1                 North 2 (600)  South 1 (500)
#   today (2026/27):       N1, N2, N4, S1             North 3 (850)  South 1 (500)


def current_status(events) -> S:
    return events[-1][0] if events else S.NOT_PARTICIPATING


def school_rows() -> list[SchoolRow]:
    return [
        SchoolRow(number, name, area, pupils, current_status(events))
        for number, (name, (area, pupils, events)) in enumerate(DATA.items(), start=1)
    ]


def event_rows() -> list[EventRow]:
    rows = []
    for number, (_, _, events) in enumerate(DATA.values(), start=1):
        rows += [EventRow(number, status, when) for status, when in events]
    return sorted(rows, key=lambda row: row.occurred_at)


def hand_rollout(**overrides):
    arguments = {
        "areas": [(NORTH, "North"), (SOUTH, "South")],
        "schools": school_rows(),
        "events": event_rows(),
        "first_cohort_year": 2022,
        "today": TODAY,
        "target_year": 2029,
    }
    return compute_rollout(**{**arguments, **overrides})


def column(area, name):
    return [getattr(year, name) for year in area.years]


def pct(*values):
    return [None if value is None else Decimal(str(value)) for value in values]


# --- pure figures ---------------------------------------------------------------------


def test_status_on_a_day_counts_events_up_to_the_end_of_that_day():
    events = [
        EventRow(1, S.ACTIVE, at(2024, 8, 31, 23, 59)),
        EventRow(1, S.LEFT, at(2024, 9, 1, 0)),
    ]
    assert status_on([], date(2024, 8, 31)) is S.NOT_PARTICIPATING
    assert status_on(events, date(2024, 8, 30)) is S.NOT_PARTICIPATING
    assert status_on(events, date(2024, 8, 31)) is S.ACTIVE
    assert status_on(events, date(2024, 9, 1)) is S.LEFT


def test_years_run_from_the_first_cohort_to_the_target_year():
    assert list(years_shown(2022, 2026, 2029)) == [2022, 2023, 2024, 2025, 2026, 2027, 2028, 2029]
    # No cohorts, or only future ones: from the current year.
    assert list(years_shown(None, 2026, 2029)) == [2026, 2027, 2028, 2029]
    assert list(years_shown(2027, 2026, 2029)) == [2026, 2027, 2028, 2029]
    # After the target year the current year is still shown.
    assert list(years_shown(2028, 2031, 2029)) == [2028, 2029, 2030, 2031]


def test_covered_schools_and_pupils_per_year_and_area():
    rollout = hand_rollout()
    total, north, south = rollout.total, rollout.for_area(NORTH), rollout.for_area(SOUTH)
    assert rollout.current_year == 2026
    assert [y.label for y in total.years] == [
        "2022/23", "2023/24", "2024/25", "2025/26", "2026/27", "2027/28", "2028/29", "2029/30",
    ]  # fmt: skip
    assert column(total, "kind") == ["actual"] * 4 + ["current"] + ["projected"] * 3
    assert (total.schools_total, total.pupils_total) == (7, 1750)
    assert (north.schools_total, north.pupils_total) == (4, 1150)
    assert (south.schools_total, south.pupils_total) == (3, 600)  # S3's unknown pupils: 0

    # All areas: the sum of the two columns in the table above.
    assert column(total, "schools_covered") == [2, 4, 4, 3, 4, None, None, None]
    assert column(total, "pupils_covered") == [600, 1200, 1200, 1100, 1350, None, None, None]
    # 2/7 = 28.57 -> 28.6; 4/7 = 57.14 -> 57.1; 3/7 = 42.86 -> 42.9
    assert column(total, "schools_percent") == pct(28.6, 57.1, 57.1, 42.9, 57.1, None, None, None)
    # 600/1750 = 34.29; 1200/1750 = 68.57; 1100/1750 = 62.86; 1350/1750 = 77.14
    assert column(total, "pupils_percent") == pct(
        "34.3", "68.6", "68.6", "62.9", "77.1", None, None, None
    )

    assert column(north, "schools_covered")[:5] == [0, 2, 2, 2, 3]
    assert column(north, "pupils_covered")[:5] == [0, 600, 600, 600, 850]
    # 2/4 = 50%, 3/4 = 75%; 600/1150 = 52.17 -> 52.2, 850/1150 = 73.91 -> 73.9
    assert column(north, "schools_percent")[:5] == pct("0.0", "50.0", "50.0", "50.0", "75.0")
    assert column(north, "pupils_percent")[:5] == pct("0.0", "52.2", "52.2", "52.2", "73.9")

    assert column(south, "schools_covered")[:5] == [2, 2, 2, 1, 1]
    assert column(south, "pupils_covered")[:5] == [600, 600, 600, 500, 500]
    # 2/3 = 66.67 -> 66.7, 1/3 = 33.3; 600/600 = 100, 500/600 = 83.33 -> 83.3
    assert column(south, "schools_percent")[:5] == pct("66.7", "66.7", "66.7", "33.3", "33.3")
    assert column(south, "pupils_percent")[:5] == pct("100.0", "100.0", "100.0", "83.3", "83.3")

    assert (total.schools_now, total.pupils_now, total.schools_now_percent) == (
        4,
        1350,
        Decimal("57.1"),
    )


def test_the_trajectory_is_a_straight_line_to_100_percent_in_2029_30():
    rollout = hand_rollout()
    # All: from 2/7 = 28.571% in 2022/23 to 100% in 2029/30, 7 steps of (100 - 200/7)/7
    # = 500/49 = 10.204: 1400/49, 1900/49, 2400/49 ... = 28.57, 38.78, 48.98, 59.18, 69.39,
    # 79.59, 89.80, 100.
    assert column(rollout.total, "trajectory_percent") == pct(
        "28.6", "38.8", "49.0", "59.2", "69.4", "79.6", "89.8", "100.0"
    )
    # North: from 0% in steps of 100/7 = 14.286.
    assert column(rollout.for_area(NORTH), "trajectory_percent") == pct(
        "0.0", "14.3", "28.6", "42.9", "57.1", "71.4", "85.7", "100.0"
    )
    # South: from 2/3 = 66.667% in steps of (100/3)/7 = 100/21 = 4.762: (1400 + 100k)/21.
    assert column(rollout.for_area(SOUTH), "trajectory_percent") == pct(
        "66.7", "71.4", "76.2", "81.0", "85.7", "90.5", "95.2", "100.0"
    )


def test_a_configured_trajectory_replaces_or_adds_points():
    # Points 2022: 28.571 (the first year's actual), 2026: 60, 2029: 90; straight between.
    planned = trajectory(range(2022, 2030), Fraction(200, 7), 2029, {2026: 60, 2029: 90})
    assert planned[2022] == Fraction(200, 7)
    # 2024 is halfway from 200/7 to 60: (200/7 + 60) / 2 = 620/14 = 44.29
    assert planned[2024] == (Fraction(200, 7) + 60) / 2
    assert planned[2026] == 60
    assert planned[2027] == 70  # 60 + (90 - 60) * 1/3
    assert planned[2029] == 90
    rollout = hand_rollout(trajectory_points={2026: 60, 2029: 90})
    assert column(rollout.total, "trajectory_percent")[2:] == pct(
        "44.3", "52.1", "60.0", "70.0", "80.0", "90.0"
    )  # 2025: 44.29 + (60 - 44.29) / 2 = 52.14
    with pytest.raises(ValueError, match="not a percentage"):
        trajectory(range(2022, 2030), Fraction(0), 2029, {2027: 120})


def test_the_projection_continues_the_last_three_years_rate():
    # No school here is assigned to a cohort, so nothing is planned and the projection is
    # the recent rate from today (planned cohorts come first: tests/test_rollout_planned.py).
    rollout = hand_rollout()
    total, north, south = rollout.total, rollout.for_area(NORTH), rollout.for_area(SOUTH)
    # All: rate = (covered at end of 2025/26 - at end of 2022/23) / 3 = (3 - 2) / 3 = 1/3
    # school a year; pupils (1100 - 600) / 3 = 166.67 a year. From today's 4 and 1350:
    #   2027/28: 4.33 -> 4, 1516.67 -> 1517; 2028/29: 4.67 -> 5, 1683.33 -> 1683;
    #   2029/30: 5, 1850 capped at 1750.
    assert column(total, "projected_schools") == [None] * 4 + [4, 4, 5, 5]
    assert column(total, "projected_pupils") == [None] * 4 + [1350, 1517, 1683, 1750]
    # North: (2 - 0) / 3 = 2/3 school and 600 / 3 = 200 pupils a year, from 3 and 850:
    #   3.67 -> 4, 4.33 -> 4, 5 capped at 4; 1050, 1250 capped at 1150, 1150.
    assert column(north, "projected_schools")[4:] == [3, 4, 4, 4]
    assert column(north, "projected_pupils")[4:] == [850, 1050, 1150, 1150]
    # South loses schools: (1 - 2) / 3 = -1/3 and (500 - 600) / 3 = -33.33 a year:
    #   0.67 -> 1, 0.33 -> 0, 0; 466.67 -> 467, 433.33 -> 433, 400.
    assert column(south, "projected_schools")[4:] == [1, 1, 0, 0]
    assert column(south, "projected_pupils")[4:] == [500, 467, 433, 400]
    assert total.projected_percent_at_target == Decimal("71.4")  # 5/7


def test_the_projection_uses_fewer_years_when_fewer_have_ended():
    # First cohort 2025/26: one year has ended. Rate = (end 2025/26 - end 2024/25) / 1
    # = 3 - 4 = -1 school, 1100 - 1200 = -100 pupils; from 4 and 1350: 3, 2, 1.
    rollout = hand_rollout(first_cohort_year=2025)
    assert column(rollout.total, "projected_schools") == [None, 4, 3, 2, 1]
    assert column(rollout.total, "projected_pupils") == [None, 1350, 1250, 1150, 1050]
    # No year has ended since the first: no projection at all.
    assert column(hand_rollout(first_cohort_year=2026).total, "projected_schools") == [None] * 4


def test_needed_each_remaining_year_shares_the_gap_evenly():
    assert share_evenly(3, 4) == [1, 1, 1, 0]
    assert share_evenly(5, 4) == [2, 1, 1, 1]
    rollout = hand_rollout()
    # Remaining: 2026/27 (this year) to 2029/30 = 4 years.
    # All: 7 - 4 = 3 schools -> 1, 1, 1, 0; 1750 - 1350 = 400 pupils -> 100 each.
    needed = rollout.total.needed
    assert [n.label for n in needed] == ["2026/27", "2027/28", "2028/29", "2029/30"]
    assert [(n.schools, n.pupils) for n in needed] == [(1, 100), (1, 100), (1, 100), (0, 100)]
    assert [(n.schools_by_end, n.pupils_by_end) for n in needed] == [
        (5, 1450), (6, 1550), (7, 1650), (7, 1750),
    ]  # fmt: skip
    # North: 1 school -> 1, 0, 0, 0; 300 pupils -> 75 each.
    assert [(n.schools, n.pupils) for n in rollout.for_area(NORTH).needed] == [
        (1, 75), (0, 75), (0, 75), (0, 75),
    ]  # fmt: skip
    # South: 2 schools -> 1, 1, 0, 0; 100 pupils -> 25 each.
    assert [(n.schools, n.pupils) for n in rollout.for_area(SOUTH).needed] == [
        (1, 25), (1, 25), (0, 25), (0, 25),
    ]  # fmt: skip
    # After the target year nothing is left to plan.
    assert hand_rollout(today=date(2031, 1, 1)).total.needed == ()


def test_the_waiting_list_is_longest_waiting_first():
    waiting = hand_rollout().waiting
    assert [(w.name, w.area_name, w.pupils, w.registered_on) for w in waiting] == [
        ("S3", "South", None, date(2024, 11, 1)),
        ("N3", "North", 300, date(2025, 3, 10)),
    ]
    assert [w.name for w in hand_rollout().waiting_in(NORTH)] == ["N3"]


def test_csv_rows_hold_every_area_and_year():
    rows = csv_rows(hand_rollout())
    assert rows[0][0] == "area"
    assert rows[0][-1] == "kind"
    assert len(rows) == 1 + 3 * 8  # all areas, North, South; 8 years each
    assert rows[1] == ["All areas", "2022/23", 7, 2, Decimal("28.6"), 1750, 600, Decimal("34.3"),
                       Decimal("28.6"), "", "", "actual"]  # fmt: skip
    assert rows[5][-3:] == [4, 1350, "actual"]  # 2026/27, as at today
    assert rows[8][1:] == ["2029/30", 7, "", "", 1750, "", "", Decimal("100.0"), 5, 1750,
                           "projected"]  # fmt: skip
    assert [row[0] for row in csv_rows(hand_rollout(), NORTH)[1:]] == ["North"] * 8


def test_an_empty_register_gives_empty_figures():
    rollout = hand_rollout(schools=[], events=[], first_cohort_year=None)
    assert [y.label for y in rollout.total.years] == ["2026/27", "2027/28", "2028/29", "2029/30"]
    assert rollout.total.schools_now_percent is None
    assert rollout.total.years[0].schools_percent is None
    assert rollout.waiting == ()


def test_the_chart_is_labelled_and_has_no_style_attributes():
    area = hand_rollout().total
    svg = str(render_chart(area, 2029))
    soup = BeautifulSoup(svg, "html.parser").svg
    assert soup["role"] == "img"
    title_id, desc_id = soup["aria-labelledby"].split()
    assert soup.find("title", id=title_id).get_text() == "Schools covered each year: All areas"
    assert "2022/23 28.6%" in soup.find("desc", id=desc_id).get_text()
    assert "71.4% by the end of 2029/30" in soup.find("desc", id=desc_id).get_text()
    assert not soup.find_all(style=True)
    assert "<script" not in svg
    labels = [text.get_text() for text in soup.find_all("text")]
    assert {"28.6%", "57.1%", "42.9%", "2022/23", "2029/30", "100%"} <= set(labels)
    # Names are escaped.
    named = hand_rollout(areas=[(NORTH, "<North>"), (SOUTH, "South")]).for_area(NORTH)
    assert "&lt;North&gt;" in str(render_chart(named, 2029))


# --- the report through the database --------------------------------------------------


@pytest.fixture
def hand_data(app, make_area):
    """The same data set in the database; returns {name: School} and the areas."""
    areas = {NORTH: make_area("North"), SOUTH: make_area("South")}
    db.session.add(Cohort(name="Wave 1", academic_year=2022, go_live_date=date(2022, 9, 5)))
    db.session.add(Cohort(name="Wave 3", academic_year=2024, go_live_date=date(2024, 9, 2)))
    schools = {}
    for number, (name, (area, pupils, events)) in enumerate(DATA.items(), start=1):
        school = School(
            name=name,
            urn=f"{900000 + number:06d}",
            area=areas[area],
            pupils_on_roll=pupils,
            participation_status=current_status(events),
        )
        previous = S.NOT_PARTICIPATING
        for status, when in events:
            school.participation_events.append(
                ParticipationEvent(from_status=previous, to_status=status, occurred_at=when)
            )
            previous = status
        db.session.add(school)
        schools[name] = school
    db.session.commit()
    return schools, areas


@pytest.fixture
def frozen_today(monkeypatch):
    monkeypatch.setattr(queries, "utcnow", lambda: datetime(2026, 11, 22, 12, tzinfo=UTC))


def table_rows(soup, caption_start):
    caption = soup.find("caption", string=re.compile("^" + re.escape(caption_start)))
    assert caption is not None, caption_start
    return [
        [" ".join(cell.get_text(" ", strip=True).split()) for cell in row.find_all(["th", "td"])]
        for row in caption.find_parent("table").tbody.find_all("tr")
    ]


def test_the_page_shows_the_hand_calculated_figures(
    hand_data, frozen_today, auth, client, make_user
):
    make_user(Role.CLINICAL_LEAD, email="lead@rollout.example")
    auth.sign_in("lead@rollout.example")
    response = client.get("/rollout/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.h1.get_text() == "Rollout to every school by 2029/30"
    years = table_rows(soup, "Schools and pupils covered at the end of each academic year")
    blank, none = f"{DASH} not known yet", f"{DASH} no projection"
    assert years == [
        ["2022/23", "2", "28.6%", "600", "34.3%", "28.6%", none, none],
        ["2023/24", "4", "57.1%", "1,200", "68.6%", "38.8%", none, none],
        ["2024/25", "4", "57.1%", "1,200", "68.6%", "49.0%", none, none],
        ["2025/26", "3", "42.9%", "1,100", "62.9%", "59.2%", none, none],
        ["2026/27 (to date)", "4", "57.1%", "1,350", "77.1%", "69.4%", "4", "1,350"],
        ["2027/28 (future)", blank, blank, blank, blank, "79.6%", "4", "1,517"],
        ["2028/29 (future)", blank, blank, blank, blank, "89.8%", "5", "1,683"],
        ["2029/30 (future)", blank, blank, blank, blank, "100.0%", "5", "1,750"],
    ]
    assert table_rows(soup, "Coverage today") == [
        ["North", "4", "3", "75.0%", "1,150", "850", "73.9%", "4"],
        ["South", "3", "1", "33.3%", "600", "500", "83.3%", "0"],
        ["All areas", "7", "4", "57.1%", "1,750", "1,350", "77.1%", "5"],
    ]
    assert table_rows(soup, "Schools and pupils to join each remaining year") == [
        ["2026/27", "1", "100", "5", "1,450"],
        ["2027/28", "1", "100", "6", "1,550"],
        ["2028/29", "1", "100", "7", "1,650"],
        ["2029/30", "0", "100", "7", "1,750"],
    ]
    assert table_rows(soup, "2 schools have registered interest") == [
        ["S3", "South", "Not recorded", "1 November 2024"],
        ["N3", "North", "300", "10 March 2025"],
    ]
    summary = " ".join(soup.find("dl").get_text(" ", strip=True).split())
    assert "4 of 7 (57.1%)" in summary
    assert "1,350 of 1,750 (77.1%)" in summary
    assert "5 of 7 schools (71.4%) and 1,750 pupils covered by the end of 2029/30" in summary
    svg = soup.find("svg", attrs={"aria-labelledby": True})
    assert svg["role"] == "img"
    title_id, desc_id = svg["aria-labelledby"].split()
    assert soup.find(id=title_id).get_text() == "Schools covered each year: All areas"
    assert "2025/26 42.9%" in soup.find(id=desc_id).get_text()
    assert "How the figures are worked out" in soup.get_text()


def test_the_area_filter_shows_one_area(hand_data, frozen_today, auth, client, make_user):
    _, areas = hand_data
    make_user(Role.ADMINISTRATOR, email="admin@rollout.example")
    auth.sign_in("admin@rollout.example")
    response = client.get(f"/rollout/?area={areas[SOUTH].id}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    years = table_rows(soup, "Schools and pupils covered at the end of each academic year: South")
    assert years[3][:5] == ["2025/26", "1", "33.3%", "500", "83.3%"]
    assert years[5][-2:] == ["1", "467"]
    assert table_rows(soup, "1 school has registered interest") == [
        ["S3", "South", "Not recorded", "1 November 2024"]
    ]
    assert soup.find("option", selected=True)["value"] == str(areas[SOUTH].id)
    link = soup.find("a", string=re.compile("CSV"))
    assert link["href"] == f"/rollout/rollout.csv?area={areas[SOUTH].id}"


@pytest.mark.parametrize("value", ["north", "0", "99999", "1.5"])
def test_an_unknown_area_is_a_clear_400(value, hand_data, auth, client, make_user):
    make_user(Role.CLINICAL_LEAD, email="lead@rollout.example")
    auth.sign_in("lead@rollout.example")
    response = client.get(f"/rollout/?area={value}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".nhsuk-error-summary a[href='#area']").get_text(strip=True) == (
        "Select an area from the list"
    )
    assert soup.title.get_text().startswith("Error: ")
    # The figures for all areas are still shown below the message.
    assert table_rows(soup, "Coverage today")[-1][0] == "All areas"
    download = client.get(f"/rollout/rollout.csv?area={value}")
    assert download.status_code == 400
    assert "Select an area from the list" in download.get_data(as_text=True)


def test_the_csv_download_matches_and_is_audited(hand_data, frozen_today, auth, client, make_user):
    user = make_user(Role.CLINICAL_LEAD, email="lead@rollout.example")
    auth.sign_in("lead@rollout.example")
    response = client.get("/rollout/rollout.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="rollout-2026-11-22.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == [
        "area", "academic_year", "schools_total", "schools_covered", "schools_covered_percent",
        "pupils_total", "pupils_covered", "pupils_covered_percent", "trajectory_percent",
        "projected_schools_covered", "projected_pupils_covered", "kind",
    ]  # fmt: skip
    by_key = {(row[0], row[1]): row[2:] for row in rows[1:]}
    assert len(rows) == 1 + 3 * 8
    assert by_key["All areas", "2022/23"] == [
        "7", "2", "28.6", "1750", "600", "34.3", "28.6", "", "", "actual",
    ]  # fmt: skip
    assert by_key["All areas", "2026/27"] == [
        "7", "4", "57.1", "1750", "1350", "77.1", "69.4", "4", "1350", "actual",
    ]  # fmt: skip
    assert by_key["North", "2028/29"] == [
        "4", "", "", "1150", "", "", "85.7", "4", "1150", "projected",
    ]  # fmt: skip
    assert by_key["South", "2025/26"] == [
        "3", "1", "33.3", "600", "500", "83.3", "81.0", "", "", "actual",
    ]  # fmt: skip
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).one()
    assert (event.record_type, event.user_id) == ("rollout", user.id)
    assert event.detail == "rollout CSV: All areas"


def test_csv_cells_cannot_run_as_spreadsheet_formulas(app, frozen_today, auth, client, make_user):
    db.session.add(ServiceArea(name="=HYPERLINK(1)"))
    db.session.commit()
    make_user(Role.ADMINISTRATOR, email="admin@rollout.example")
    auth.sign_in("admin@rollout.example")
    text = client.get("/rollout/rollout.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text
    assert "\n=HYPERLINK" not in text


def test_the_page_runs_a_fixed_number_of_queries(
    hand_data, auth, client, make_user, make_school, count_queries
):
    make_user(Role.CLINICAL_LEAD, email="lead@rollout.example")
    auth.sign_in("lead@rollout.example")

    def queries_for(path):
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    small = {path: queries_for(path) for path in ("/rollout/", "/rollout/rollout.csv")}
    for number in range(20):
        school = make_school(urn=f"{950000 + number:06d}")
        school.pupils_on_roll = 100
        school.participation_status = S.INTEREST_REGISTERED
        school.participation_events.append(
            ParticipationEvent(to_status=S.INTEREST_REGISTERED, occurred_at=at(2025, 1, 1))
        )
    db.session.commit()
    assert all(count > 0 for count in small.values())
    assert {path: queries_for(path) for path in small} == small


@pytest.mark.parametrize("role", [Role.EMHP, Role.SENIOR_CLINICIAN, Role.SCHOOL_MENTAL_HEALTH_LEAD])
def test_other_roles_are_refused(role, world, auth, client):
    auth.sign_in(world.users[role].email)
    assert client.get("/rollout/").status_code == 403
    assert client.get("/rollout/rollout.csv").status_code == 403


def test_the_page_works_before_any_school_is_covered(world, auth, client):
    world.school_a2.participation_status = S.NOT_PARTICIPATING
    db.session.commit()  # the world's school A2 is active
    auth.sign_in(world.users[Role.ADMINISTRATOR].email)
    response = client.get("/rollout/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert table_rows(soup, "Coverage today")[-1] == [
        "All areas", "4", "0", "0.0%", "0", "0", f"{DASH} no pupils", "0",
    ]  # fmt: skip
    assert "No schools are waiting for a cohort." in soup.get_text()
