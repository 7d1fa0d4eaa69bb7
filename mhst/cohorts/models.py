from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.extensions import db
from mhst.organisation.models import Team

cohort_team = Table(
    "cohort_team",
    db.metadata,
    Column("cohort_id", ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    """A wave of schools going live together, served by one or more teams."""

    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The academic year by its first year: 2019 is 2019/20.
    academic_year: Mapped[int] = mapped_column(Integer, index=True)
    go_live_date: Mapped[date] = mapped_column(Date)

    teams: Mapped[list[Team]] = relationship(secondary=cohort_team, order_by="Team.name")
    # Schools sit above cohorts (a school joins a cohort): named, not imported.
    schools = relationship("School", back_populates="cohort", order_by="School.name")

    def __repr__(self) -> str:
        return f"<Cohort {self.name!r}>"
