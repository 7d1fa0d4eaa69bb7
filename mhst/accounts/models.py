from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime, string_enum
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.schools.models import School


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    CLINICAL_LEAD = "clinical_lead"
    SENIOR_CLINICIAN = "senior_clinician"
    EMHP = "emhp"
    SCHOOL_MENTAL_HEALTH_LEAD = "school_mental_health_lead"
    # Reads suppressed aggregate reports only: never a child's record.
    COMMISSIONER = "commissioner"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_staff(self) -> bool:
        return self not in (Role.SCHOOL_MENTAL_HEALTH_LEAD, Role.COMMISSIONER)

    @property
    def needs_team(self) -> bool:
        """EMHPs and senior clinicians work within one team; others may cover the service."""
        return self in (Role.EMHP, Role.SENIOR_CLINICIAN)


ROLE_LABELS = {
    Role.ADMINISTRATOR: "Administrator",
    Role.CLINICAL_LEAD: "Clinical lead",
    Role.SENIOR_CLINICIAN: "Senior clinician",
    Role.EMHP: "Education mental health practitioner (EMHP)",
    Role.SCHOOL_MENTAL_HEALTH_LEAD: "School mental health lead",
    Role.COMMISSIONER: "Commissioner (suppressed reports only)",
}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        # A school's lead belongs to exactly one school and no team; staff to no school.
        CheckConstraint(
            "(role = 'school_mental_health_lead' AND school_id IS NOT NULL AND team_id IS NULL)"
            " OR (role <> 'school_mental_health_lead' AND school_id IS NULL)",
            name="role_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role", 40))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped to end every existing session (deactivation, password change).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship()
    school: Mapped[School | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def scope_label(self) -> str:
        if self.school is not None:
            return self.school.name
        if self.team is not None:
            return self.team.name
        return "Whole service"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
