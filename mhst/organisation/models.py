from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    area: Mapped[ServiceArea] = relationship(back_populates="teams")
    # Schools sit above organisation (a school is in a team's area): named, not imported.
    schools = relationship("School", back_populates="team", order_by="School.name")

    @classmethod
    def scope_shape(cls) -> Shape:
        """For ``mhst.security.scoping``: a team is its own."""
        return Shape(Kind.TEAM, of_team=lambda team_id: cls.id == team_id)

    def __repr__(self) -> str:
        return f"<Team {self.name!r}>"
