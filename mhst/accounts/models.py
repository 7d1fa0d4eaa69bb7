from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime, string_enum
from mhst.extensions import db
from mhst.security.roles import Role  # defined beside what each role may do


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

    # Teams and schools sit above accounts (their records name users): named, not imported.
    team = relationship("Team")
    school = relationship("School")

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
