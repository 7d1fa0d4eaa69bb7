"""Coverage by deprivation decile and by free-school-meals band on the rollout report,
checked against a hand calculation: the pure figures, the page (on both databases), the
coverage-by-need CSV and its audit, and a constant number of queries.

Ten invented schools in two areas. Every expected number is worked out by hand in the
comments: "covered" means active or paused today.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from mhst.accounts.models import Role
from mhst.audit.models import AuditAction, AuditEvent
from mhst.extensions import db
from mhst.need.models import FSM_BANDS, SchoolNeed
from mhst.rollout.csv_rows import need_csv_rows
from mhst.rollout.need import (
    NeedRow,
    coverage_by_area,
    deprivation_reading,
    fsm_reading,
    need_coverage,
)
from mhst.schools.models import ParticipationStatus as S
from mhst.schools.models import School
from tests.test_rollout import table_rows

NORTH, SOUTH = 1, 2
NOTHING = object()  # the school has no need row at all

# name: (area, IMD decile, FSM %, pupils, status today); None: not known.
SCHOOLS = {
    "A": (NORTH, 1, "45.0", 300, S.ACTIVE),
    "B": (NORTH, 2, "35.0", 200, S.INTEREST_REGISTERED),
    "C": (NORTH, 3, "25.0", 100, S.PAUSED),  # paused still counts as covered
    "D": (NORTH, 7, "9.9", 400, S.NOT_PARTICIPATING),
    "E": (SOUTH, 1, "40.0", 250, S.ACTIVE),  # 40.0 is in "40% or more"
    "F": (SOUTH, 5, "10.0", 150, S.ACTIVE),  # 10.0 is in "10% to under 20%"
    "G": (SOUTH, 10, "5.0", None, S.LEFT),  # no pupils recorded: 0
    "H": (SOUTH, NOTHING, NOTHING, 500, S.ACTIVE),  # no need figures at all
    "I": (SOUTH, 4, None, 120, S.ONBOARDING),  # decile known, FSM not
    "J": (NORTH, None, "30.0", 80, S.ASSIGNED_TO_COHORT),  # FSM known, decile not
}
# Covered: A, C, E, F, H (5 of 10).
#
# By decile (all areas):       schools covered  pupils  covered
#   1: A, E                         2      2       550     550   100.0%  100.0%
#   2: B                            1      0       200       0     0.0%    0.0%
#   3: C                            1      1       100     100   100.0%  100.0%
#   4: I                            1      0       120       0
#   5: F                            1      1       150     150
#   6, 8, 9: none                   0      0         0       0   (no %)
#   7: D                            1      0       400       0
#   10: G                           1      0         0       0     0.0%  (no pupils %)
#   Not known: H, J                 2      1       580     500    50.0%  86.2% (500/580)
# By FSM band:
#   Under 10%: D 9.9, G 5.0         2      0       400       0
#   10% to under 20%: F             1      1       150     150
#   20% to under 30%: C             1      1       100     100
#   30% to under 40%: B, J          2      0       280       0
#   40% or more: A, E               2      2       550     550
#   Not known: H, I                 2      1       620     500    50.0%  80.6% (500/620)
# Readings: deciles 1-3 (A, B, C, E) 3 of 4 = 75.0%; 4-10 (D, F, G, I) 1 of 4 = 25.0%.
#           FSM 30%+ (A, B, E, J) 2 of 4 = 50.0%; under 30% (C, D, F, G) 2 of 4 = 50.0%.
# North only (A, B, C, D, J): deciles 1-3 2 of 3 = 66.7%; 4-10 (D) 0 of 1 = 0.0%.

DECILES_ALL = [
    ("1", 2, 2, 550, 550), ("2", 1, 0, 200, 0), ("3", 1, 1, 100, 100),
    ("4", 1, 0, 120, 0), ("5", 1, 1, 150, 150), ("6", 0, 0, 0, 0), ("7", 1, 0, 400, 0),
    ("8", 0, 0, 0, 0), ("9", 0, 0, 0, 0), ("10", 1, 0, 0, 0), ("Not known", 2, 1, 580, 500),
]  # fmt: skip
BANDS_ALL = [
    ("Under 10%", 2, 0, 400, 0), ("10% to under 20%", 1, 1, 150, 150),
    ("20% to under 30%", 1, 1, 100, 100), ("30% to under 40%", 2, 0, 280, 0),
    ("40% or more", 2, 2, 550, 550), ("Not known", 2, 1, 620, 500),
]  # fmt: skip
COVERED = {S.ACTIVE, S.PAUSED}


def rows() -> list[NeedRow]:
    return [
        NeedRow.school(
            area,
            None if decile is NOTHING else decile,
            None if fsm in (None, NOTHING) else Decimal(fsm),
            pupils,
            status in COVERED,
        )
        for area, decile, fsm, pupils, status in SCHOOLS.values()
    ]


def figures(lines):
    return [
        (line.label, line.schools, line.schools_covered, line.pupils, line.pupils_covered)
        for line in lines
    ]


# --- pure figures ---------------------------------------------------------------------


def test_coverage_by_decile_and_band_matches_the_hand_calculation():
    coverage = need_coverage(rows())
    assert figures(coverage.deciles) == DECILES_ALL
    assert figures(coverage.bands) == BANDS_ALL
    decile = {line.label: line for line in coverage.deciles}
    assert (decile["1"].schools_percent, decile["1"].pupils_percent) == (
        Decimal("100.0"),
        Decimal("100.0"),
    )
    assert decile["2"].schools_percent == Decimal("0.0")
    assert decile["6"].schools_percent is None  # no schools: no percentage
    assert decile["10"].pupils_percent is None  # G has no pupils recorded
    assert decile["Not known"].pupils_percent == Decimal("86.2")
    assert coverage.bands[-1].pupils_percent == Decimal("80.6")


def test_the_readings_compare_the_most_deprived_with_the_rest():
    coverage = need_coverage(rows())
    assert deprivation_reading(coverage) == (
        "In the most deprived 30% of areas (deciles 1 to 3) 75.0% of schools are covered, "
        "against 25.0% elsewhere (deciles 4 to 10): the most deprived areas are ahead of "
        "the rest."
    )
    assert fsm_reading(coverage) == (
        "Where 30% or more of pupils are eligible for free school meals 50.0% of schools "
        "are covered, against 50.0% where fewer are: they are level with the rest."
    )
    north = need_coverage(rows(), NORTH)
    assert "66.7% of schools are covered, against 0.0% elsewhere" in deprivation_reading(north)
    assert deprivation_reading(need_coverage([])) == (
        "No school has a deprivation decile recorded yet."
    )


def test_one_area_and_every_area_in_one_pass():
    by_area = coverage_by_area(rows())
    assert by_area[None] == need_coverage(rows())
    assert by_area[NORTH] == need_coverage(rows(), NORTH)
    # North: A, B, C, D by decile 1, 2, 3, 7, and J not known.
    assert [(line.label, line.schools) for line in by_area[NORTH].deciles if line.schools] == [
        ("1", 1), ("2", 1), ("3", 1), ("7", 1), ("Not known", 1),
    ]  # fmt: skip


def test_need_csv_rows():
    table = need_csv_rows([("All areas", need_coverage(rows()))])
    assert table[0] == [
        "area", "measure", "group", "schools_total", "schools_covered",
        "schools_covered_percent", "pupils_total", "pupils_covered", "pupils_covered_percent",
    ]  # fmt: skip
    assert len(table) == 1 + 11 + 6
    assert table[1] == ["All areas", "imd_decile", "1", 2, 2, Decimal("100.0"), 550, 550,
                        Decimal("100.0")]  # fmt: skip
    assert table[6] == ["All areas", "imd_decile", "6", 0, 0, "", 0, 0, ""]
    assert table[12] == ["All areas", "fsm_band", "Under 10%", 2, 0, Decimal("0.0"), 400, 0,
                         Decimal("0.0")]  # fmt: skip


# --- through the database -------------------------------------------------------------


@pytest.fixture
def need_data(app, make_area):
    areas = {NORTH: make_area("North"), SOUTH: make_area("South")}
    for number, (name, (area, decile, fsm, pupils, status)) in enumerate(SCHOOLS.items()):
        school = School(
            name=f"School {name}",
            urn=f"{970000 + number:06d}",
            area=areas[area],
            pupils_on_roll=pupils,
            participation_status=status,
        )
        db.session.add(school)
        if decile is not NOTHING:
            db.session.flush()
            db.session.add(
                SchoolNeed(
                    school_id=school.id,
                    imd_decile=decile,
                    fsm_percent=None if fsm is None else Decimal(fsm),
                )
            )
    db.session.commit()
    return areas


def page_figures(table):
    return [
        (row[0], *(int(cell.replace(",", "")) for cell in (row[1], row[2], row[4], row[5])))
        for row in table
    ]


def test_the_page_shows_coverage_by_need(need_data, auth, client, make_user):
    make_user(Role.CLINICAL_LEAD, email="lead@need.example")
    auth.sign_in("lead@need.example")
    response = client.get("/rollout/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    deciles = table_rows(soup, "Coverage by deprivation decile")
    assert page_figures(deciles) == DECILES_ALL
    assert deciles[0][3] == "100.0%"
    assert deciles[-1][3:] == ["50.0%", "580", "500", "86.2%"]
    bands = table_rows(soup, "Coverage by pupils eligible for free school meals")
    assert page_figures(bands) == BANDS_ALL
    text = " ".join(soup.get_text(" ").split())
    assert "In the most deprived 30% of areas (deciles 1 to 3) 75.0% of schools" in text
    north = client.get(f"/rollout/?area={need_data[NORTH].id}")
    soup = BeautifulSoup(north.get_data(as_text=True), "html.parser")
    assert page_figures(table_rows(soup, "Coverage by deprivation decile"))[0] == (
        "1", 1, 1, 300, 300,
    )  # fmt: skip
    assert "66.7% of schools are covered, against 0.0% elsewhere" in soup.get_text()


def test_the_need_csv_matches_and_is_audited(need_data, auth, client, make_user):
    user = make_user(Role.CLINICAL_LEAD, email="lead@need.example")
    auth.sign_in("lead@need.example")
    response = client.get("/rollout/need.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(table) == 1 + 3 * 17  # all areas, North, South
    by_key = {(row[0], row[1], row[2]): row[3:] for row in table[1:]}
    assert by_key["All areas", "imd_decile", "Not known"] == [
        "2", "1", "50.0", "580", "500", "86.2",
    ]  # fmt: skip
    assert by_key["South", "fsm_band", "40% or more"] == ["1", "1", "100.0", "250", "250", "100.0"]
    assert by_key["North", "fsm_band", "30% to under 40%"] == ["2", "0", "0.0", "280", "0", "0.0"]
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)
    ).one()
    assert (event.record_type, event.user_id) == ("rollout", user.id)
    assert event.detail == "rollout coverage by need CSV: All areas"
    one = client.get(f"/rollout/need.csv?area={need_data[SOUTH].id}")
    assert {row[0] for row in csv.reader(io.StringIO(one.get_data(as_text=True)))} == {
        "area", "South",
    }  # fmt: skip
    assert client.get("/rollout/need.csv?area=nowhere").status_code == 400


def test_need_pages_run_a_fixed_number_of_queries(
    need_data, auth, client, make_user, make_school, count_queries
):
    make_user(Role.ADMINISTRATOR, email="admin@need.example")
    auth.sign_in("admin@need.example")

    def queries_for(path):
        before = len(count_queries())
        assert client.get(path).status_code == 200
        return len(count_queries()) - before

    paths = ("/rollout/", "/rollout/need.csv")
    small = {path: queries_for(path) for path in paths}
    for number in range(20):
        school = make_school(urn=f"{980000 + number:06d}")
        school.participation_status = S.ACTIVE if number % 2 else S.NOT_PARTICIPATING
        db.session.flush()
        db.session.add(
            SchoolNeed(school_id=school.id, imd_decile=number % 10 + 1, fsm_percent=number * 2)
        )
    db.session.commit()
    assert all(count > 0 for count in small.values())
    assert {path: queries_for(path) for path in paths} == small


NEED_SCHOOL = st.tuples(
    st.sampled_from([NORTH, SOUTH]),
    st.one_of(st.none(), st.integers(1, 10)),
    st.one_of(st.none(), st.integers(0, 1000).map(lambda n: Decimal(n) / 10)),
    st.one_of(st.none(), st.integers(0, 2000)),
    st.booleans(),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(NEED_SCHOOL, max_size=40), st.sampled_from([None, NORTH, SOUTH]))
def test_every_school_is_in_one_decile_and_one_band(schools, area_id):
    """Deciles and bands each split the area's schools exactly once: their totals agree
    with counting the schools one by one, and a school is in the band its FSM % names."""
    coverage = need_coverage([NeedRow.school(*school) for school in schools], area_id)
    mine = [s for s in schools if area_id is None or s[0] == area_id]
    expected = (
        len(mine),
        sum(covered for *_, covered in mine),
        sum(pupils or 0 for *_, pupils, _ in mine),
        sum((pupils or 0) * covered for *_, pupils, covered in mine),
    )
    for lines in (coverage.deciles, coverage.bands):
        totals = tuple(
            sum(getattr(line, name) for line in lines)
            for name in ("schools", "schools_covered", "pupils", "pupils_covered")
        )
        assert totals == expected
    by_label = {line.label: line.schools for line in coverage.bands}
    for label, lowest, highest in FSM_BANDS:
        assert by_label[label] == sum(
            1
            for _, _, fsm, _, _ in mine
            if fsm is not None and fsm >= lowest and (highest is None or fsm < highest)
        )
    assert coverage.deciles[-1].schools == sum(1 for _, decile, *_ in mine if decile is None)
