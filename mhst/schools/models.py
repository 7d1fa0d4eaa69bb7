from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team


class School(db.Model):
    """A school or college the service works with (filled out by the schools feature)."""

    __tablename__ = "school"
    __table_args__ = (CheckConstraint("length(urn) = 6", name="urn_six_digits"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    urn: Mapped[str] = mapped_column(String(6), unique=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)

    area: Mapped[ServiceArea] = relationship()
    team: Mapped[Team | None] = relationship(back_populates="schools")

    @property
    def nhs_org_code(self) -> str:
        """The school's NHS organisation code: its DfE URN with an ``EE`` prefix."""
        return f"EE{self.urn}"

    def __repr__(self) -> str:
        return f"<School {self.urn} {self.name!r}>"
