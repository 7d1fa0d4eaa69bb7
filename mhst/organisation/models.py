from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core.types import LabelledEnum, string_enum
from mhst.extensions import db
from mhst.security.scoping import Kind, Shape


class ServiceArea(db.Model):
    """A local authority area the service covers (e.g. Leicester City, Rutland)."""

    __tablename__ = "service_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)

    teams: Mapped[list[Team]] = relationship(back_populates="area", order_by="Team.name")

    def __repr__(self) -> str:
        return f"<ServiceArea {self.name!r}>"


class Team(db.Model):
    """An MHST: EMHPs, clinicians and senior clinicians working with a set of schools."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"), index=True)
    # The team's contact route for families and schools, shown on the public list of
    # participating schools (mhst.public): a team line and inbox, never a person's own.
    public_phone: Mapped[str | None] = mapped_column(String(40))
    public_email: Mapped[str | None] = mapped_column(String(254))

    area: Mapped[ServiceArea] = relationship(back_populates="teams")
    # Schools sit above organisation (a school is in a team's area): named, not imported.
    schools = relationship("School", back_populates="team", order_by="School.name")

    @classmethod
    def scope_shape(cls) -> Shape:
        """For ``mhst.security.scoping``: a team is its own."""
        return Shape(Kind.TEAM, of_team=lambda team_id: cls.id == team_id)

    def __repr__(self) -> str:
        return f"<Team {self.name!r}>"


class ClosureKind(LabelledEnum):
    HOLIDAY = "holiday"  # a school holiday: half term, Christmas, Easter, summer
    CLOSURE_DAY = "closure_day"  # a bank holiday or a training (INSET) day

    @property
    def label(self) -> str:
        return {ClosureKind.HOLIDAY: "Holiday", ClosureKind.CLOSURE_DAY: "Closure day"}[self]


class TermClosure(db.Model):
    """A span of days an area's schools are closed (first and last day included). An
    area with none entered for an academic year uses the English default
    (``mhst.organisation.term_dates``)."""

    __tablename__ = "term_closure"
    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_in_order"),
        Index("ix_term_closure_area_days", "area_id", "first_day", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ClosureKind] = mapped_column(string_enum(ClosureKind, "closure_kind", 20))

    area: Mapped[ServiceArea] = relationship()
