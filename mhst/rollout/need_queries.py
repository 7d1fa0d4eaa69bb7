"""Loading coverage by need: one grouped query over the register and the schools' need
indicators, a row per area, IMD decile and free-school-meals band (at most
areas x 11 x 6 rows), never a row per school."""

from __future__ import annotations

from sqlalchemy import case, func, select

from mhst.extensions import db
from mhst.need.models import FSM_BANDS, SchoolNeed
from mhst.rollout.need import NeedRow
from mhst.schools.models import School
from mhst.schools.operations import COVERED


def _band_index():
    """The index in FSM_BANDS of the school's percentage (None when not known)."""
    fsm = SchoolNeed.fsm_percent
    whens = [
        (fsm < highest, index)
        for index, (_, _, highest) in enumerate(FSM_BANDS)
        if highest is not None
    ]
    return case((fsm.is_(None), None), *whens, else_=len(FSM_BANDS) - 1)


def need_rows() -> list[NeedRow]:
    pupils = func.coalesce(School.pupils_on_roll, 0)
    covered = School.participation_status.in_(COVERED)
    # The band is worked out in a subquery so that the grouping names a column, not an
    # expression with its own bound parameters (PostgreSQL would refuse that).
    schools = (
        select(
            School.area_id.label("area_id"),
            SchoolNeed.imd_decile.label("decile"),
            _band_index().label("band"),
            case((covered, 1), else_=0).label("covered"),
            pupils.label("pupils"),
            case((covered, pupils), else_=0).label("pupils_covered"),
        )
        .outerjoin(SchoolNeed, SchoolNeed.school_id == School.id)
        .subquery("schools")
    )
    c = schools.c
    rows = db.session.execute(
        select(
            c.area_id,
            c.decile,
            c.band,
            func.count(),
            func.coalesce(func.sum(c.covered), 0),
            func.coalesce(func.sum(c.pupils), 0),
            func.coalesce(func.sum(c.pupils_covered), 0),
        ).group_by(c.area_id, c.decile, c.band)
    )
    return [
        NeedRow(
            area_id=area_id,
            imd_decile=decile,
            fsm_band=None if band is None else FSM_BANDS[int(band)][0],
            schools=int(schools),
            schools_covered=int(covered),
            pupils=int(pupils),
            pupils_covered=int(pupils_covered),
        )
        for area_id, decile, band, schools, covered, pupils, pupils_covered in rows
    ]
