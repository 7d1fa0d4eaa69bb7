"""The demo's invented indicators of need: one row per school, plausible, spread over
every decile, a survey for some schools, invented area codes, and loading again changes
nothing."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from mhst.demo.need import LSOA_COUNT, figures_for, invented_lsoa, load_need
from mhst.extensions import db
from mhst.need.import_file import normalise_postcode
from mhst.need.models import LsoaDeprivation, PostcodeLsoa, SchoolNeed
from mhst.schools.models import School


def test_every_invented_figure_is_plausible_and_spread():
    areas = ("Leicester City", "Leicestershire", "Rutland")
    figures = [figures_for(f"99{n:04d}", areas[n % 3]) for n in range(300)]
    assert all(Decimal(4) <= f["fsm_percent"] <= Decimal(55) for f in figures)
    assert {f["imd_decile"] for f in figures} == set(range(1, 11))
    surveyed = [f for f in figures if "survey_name" in f]
    assert 50 < len(surveyed) < 150
    assert all(0 <= f["low_wellbeing_percent"] <= 100 for f in surveyed)
    city = [f["imd_decile"] for n, f in enumerate(figures) if n % 3 == 0]
    rutland = [f["imd_decile"] for n, f in enumerate(figures) if n % 3 == 2]
    assert sum(city) / len(city) < sum(rutland) / len(rutland)
    # The same URN gives the same figures; each school's LSOA has the school's decile.
    assert figures_for("990001", "Rutland") == figures_for("990001", "Rutland")
    lsoas = {code: decile for code, decile, _ in map(invented_lsoa, range(LSOA_COUNT))}
    assert all(lsoas[f["lsoa_code"]] == f["imd_decile"] for f in figures)


def test_invented_codes_are_outside_the_issued_ranges():
    for index in range(LSOA_COUNT):
        code, decile, postcode = invented_lsoa(index)
        assert code.startswith("E0199")
        assert 1 <= decile <= 10
        assert postcode.startswith("ZZ")
        assert normalise_postcode(postcode) == postcode


def test_load_need_gives_every_school_a_row_once(world):
    schools = db.session.scalar(select(func.count(School.id)))
    assert load_need() == schools
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SchoolNeed)) == schools
    assert db.session.scalar(select(func.count()).select_from(LsoaDeprivation)) == LSOA_COUNT
    assert db.session.scalar(select(func.count()).select_from(PostcodeLsoa)) == LSOA_COUNT
    assert load_need() == 0
    assert db.session.scalar(select(func.count()).select_from(LsoaDeprivation)) == LSOA_COUNT
