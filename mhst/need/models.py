"""A school's indicators of need, as published for the school or its area.

Only school-level figures are kept: the percentage of pupils eligible for free school
meals, the deprivation decile of the area the school stands in (the English Indices of
Deprivation, IMD: decile 1 is the most deprived 10% of areas) and, optionally, a local
wellbeing survey's summary rates. No pupil's data is ever held here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.schools.models import School

PERCENT = Numeric(4, 1)  # 0.0 to 100.0

# Free-school-meals bands for reports, as (label, lowest percent, highest percent or None).
FSM_BANDS: tuple[tuple[str, Decimal, Decimal | None], ...] = (
    ("Under 10%", Decimal(0), Decimal(10)),
    ("10% to under 20%", Decimal(10), Decimal(20)),
    ("20% to under 30%", Decimal(20), Decimal(30)),
    ("30% to under 40%", Decimal(30), Decimal(40)),
    ("40% or more", Decimal(40), None),
)


def fsm_band(percent: Decimal | None) -> str | None:
    """The label of the free-school-meals band a percentage falls in (None if unknown)."""
    if percent is None:
        return None
    for label, lowest, highest in FSM_BANDS:
        if percent >= lowest and (highest is None or percent < highest):
            return label
    return None


class SchoolNeed(db.Model):
    """One school's indicators of need (at most one row per school; an import replaces it)."""

    __tablename__ = "school_need"
    __table_args__ = (
        CheckConstraint("fsm_percent BETWEEN 0 AND 100", name="fsm_percent_range"),
        CheckConstraint("imd_decile BETWEEN 1 AND 10", name="imd_decile_range"),
        CheckConstraint("belonging_low_percent BETWEEN 0 AND 100", name="belonging_range"),
        CheckConstraint("low_wellbeing_percent BETWEEN 0 AND 100", name="wellbeing_range"),
    )

    school_id: Mapped[int] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), primary_key=True
    )
    fsm_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    # 1 = the most deprived 10% of areas in England, 10 = the least deprived.
    imd_decile: Mapped[int | None] = mapped_column(SmallInteger, index=True)
    lsoa_code: Mapped[str | None] = mapped_column(String(9))  # e.g. E01025678
    postcode: Mapped[str | None] = mapped_column(String(8))
    survey_name: Mapped[str | None] = mapped_column(String(120))
    survey_year: Mapped[int | None] = mapped_column(Integer)
    belonging_low_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    low_wellbeing_percent: Mapped[Decimal | None] = mapped_column(PERCENT)
    source: Mapped[str | None] = mapped_column(String(200))  # the file the figures came from
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    school: Mapped[School] = relationship()

    def __repr__(self) -> str:
        return f"<SchoolNeed school={self.school_id} fsm={self.fsm_percent} imd={self.imd_decile}>"


class LsoaDeprivation(db.Model):
    """An area's deprivation decile, from the English Indices of Deprivation (File 1:
    the IMD rank and decile of every Lower-layer Super Output Area). Loaded by
    ``flask need load-deprivation``; a new file replaces the whole table."""

    __tablename__ = "lsoa_deprivation"
    __table_args__ = (CheckConstraint("imd_decile BETWEEN 1 AND 10", name="imd_decile_range"),)

    lsoa_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    imd_decile: Mapped[int] = mapped_column(SmallInteger)


class PostcodeLsoa(db.Model):
    """The LSOA a postcode lies in, from the ONS postcode lookup. Loaded by ``flask need
    load-postcodes``; a new file replaces the whole table. Postcodes are kept in upper
    case with one space before the last three characters (``LE1 7RH``)."""

    __tablename__ = "postcode_lsoa"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)
    lsoa_code: Mapped[str] = mapped_column(String(9))
