"""The demo's indicators of need: invented, plausible figures for every demo school, so
the need data pages, the school page's card and the reports built on them show figures.

Nothing here is a real school's or area's figure. Each school's values come from its URN
(a hash, so every run gives the same), with Leicester City's schools leaning towards the
more deprived deciles: free school meals 4% to 55%, deciles 1 to 10, and an invented
wellbeing survey for about a third of schools. The LSOA codes are invented too, in the
E0199xxxx range, which the ONS has not issued; each has a row in ``lsoa_deprivation``
and an invented ``ZZ`` postcode (a range no real postcode uses) in ``postcode_lsoa``.
Schools that already have figures are left alone: loading again changes nothing.
"""

from __future__ import annotations

import zlib
from decimal import Decimal

from sqlalchemy import insert, select

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.need.models import LsoaDeprivation, PostcodeLsoa, SchoolNeed
from mhst.organisation.models import ServiceArea
from mhst.schools.models import School

SOURCE = "Invented demo figures (not real)"
SURVEY = "Invented schools wellbeing survey"
LSOA_COUNT = 40  # invented areas, four per decile
# Decile shift by area: the city's schools more often in the most deprived areas.
AREA_LEAN = {"Leicester City": -3, "Rutland": 3}


def _number(urn: str, salt: str, size: int) -> int:
    """A stable number from 0 to ``size - 1`` for this URN (the same on every run)."""
    return zlib.crc32(f"{salt}:{urn}".encode()) % size


def invented_lsoa(index: int) -> tuple[str, int, str]:
    """(LSOA code, decile, postcode) of invented area ``index`` (0 to LSOA_COUNT - 1)."""
    return f"E0199{index:04d}", index % 10 + 1, f"ZZ{index // 10 + 1} {index % 10}AA"


def figures_for(urn: str, area_name: str) -> dict:
    """The invented indicators of the school with this URN in this area."""
    decile = min(10, max(1, _number(urn, "decile", 10) + 1 + AREA_LEAN.get(area_name, 0)))
    lsoa, _, postcode = invented_lsoa((decile - 1) + 10 * _number(urn, "lsoa", LSOA_COUNT // 10))
    # Free school meals fall as the decile rises: about 50% in decile 1, 8% in decile 10.
    base = 55 - decile * 4.7
    fsm = Decimal(str(round(min(55.0, max(4.0, base + _number(urn, "fsm", 90) / 10 - 4.5)), 1)))
    values = {
        "fsm_percent": fsm,
        "imd_decile": decile,
        "lsoa_code": lsoa,
        "postcode": postcode,
    }
    if _number(urn, "survey", 3) == 0:
        values |= {
            "survey_name": SURVEY,
            "survey_year": 2025,
            "belonging_low_percent": Decimal(18 + _number(urn, "belonging", 160)) / 10 + 10,
            "low_wellbeing_percent": Decimal(120 + _number(urn, "wellbeing", 150)) / 10,
        }
    return values


def _load_lookups() -> None:
    known = set(db.session.scalars(select(LsoaDeprivation.lsoa_code)))
    rows = [invented_lsoa(index) for index in range(LSOA_COUNT)]
    new = [(code, decile, postcode) for code, decile, postcode in rows if code not in known]
    if new:
        db.session.execute(
            insert(LsoaDeprivation), [{"lsoa_code": c, "imd_decile": d} for c, d, _ in new]
        )
    known_postcodes = set(db.session.scalars(select(PostcodeLsoa.postcode)))
    postcodes = {postcode: code for code, _, postcode in rows if postcode not in known_postcodes}
    if postcodes:
        db.session.execute(
            insert(PostcodeLsoa),
            [{"postcode": p, "lsoa_code": c} for p, c in sorted(postcodes.items())],
        )


def load_need() -> int:
    """Invented indicators for every school without any: the number added."""
    _load_lookups()
    admin = db.session.scalars(select(User).filter_by(email="admin@mhst.example")).first()
    have = select(SchoolNeed.school_id)
    schools = db.session.execute(
        select(School.id, School.urn, ServiceArea.name)
        .join(ServiceArea, School.area_id == ServiceArea.id)
        .where(School.id.not_in(have))
        .order_by(School.id)
    ).all()
    now = utcnow()
    rows = [
        {
            "school_id": school_id,
            **figures_for(urn, area),
            "source": SOURCE,
            "updated_at": now,
            "updated_by_id": admin.id if admin else None,
        }
        for school_id, urn, area in schools
    ]
    if rows:
        db.session.execute(insert(SchoolNeed), rows)
    return len(rows)
