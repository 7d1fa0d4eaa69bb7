from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.schools.models import School


class ActivityKind(LabelledEnum):
    STAFF_TRAINING = "staff_training"
    ASSEMBLY = "assembly"
    WORKSHOP = "workshop"
    HEALTH_FAIR = "health_fair"
    PARENT_INFORMATION_SESSION = "parent_information_session"
    MENTAL_HEALTH_WEEK_TOOLKIT = "mental_health_week_toolkit"
    OTHER = "other"

    @property
    def label(self) -> str:
        if self is ActivityKind.MENTAL_HEALTH_WEEK_TOOLKIT:
            return "Children's Mental Health Week toolkit"
        return super().label


class Principle(enum.StrEnum):
    """The 8 principles of a whole-school approach (public guidance)."""

    LEADERSHIP = "leadership"
    ETHOS_AND_ENVIRONMENT = "ethos_and_environment"
    CURRICULUM = "curriculum"
    STUDENT_VOICE = "student_voice"
    STAFF_DEVELOPMENT = "staff_development"
    IDENTIFYING_NEED = "identifying_need"
    WORKING_WITH_PARENTS = "working_with_parents"
    TARGETED_SUPPORT = "targeted_support"

    @property
    def label(self) -> str:
        return PRINCIPLE_LABELS[self]


PRINCIPLE_LABELS = {
    Principle.LEADERSHIP: "Leadership and management",
    Principle.ETHOS_AND_ENVIRONMENT: "School ethos and environment",
    Principle.CURRICULUM: "Curriculum, teaching and learning",
    Principle.STUDENT_VOICE: "Student voice",
    Principle.STAFF_DEVELOPMENT: "Staff development",
    Principle.IDENTIFYING_NEED: "Identifying need and monitoring impact",
    Principle.WORKING_WITH_PARENTS: "Working with parents and carers",
    Principle.TARGETED_SUPPORT: "Targeted support and appropriate referral",
}


class ActivityPrinciple(db.Model):
    """Which of the 8 principles an activity serves (one row per principle)."""

    __tablename__ = "activity_principle"

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("whole_school_activity.id", ondelete="CASCADE"), primary_key=True
    )
    principle: Mapped[Principle] = mapped_column(
        string_enum(Principle, "principle", 30), primary_key=True
    )


class WholeSchoolActivity(db.Model):
    __tablename__ = "whole_school_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    kind: Mapped[ActivityKind] = mapped_column(string_enum(ActivityKind, "activity_kind", 40))
    other_kind: Mapped[str | None] = mapped_column(String(120))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    theme: Mapped[str] = mapped_column(String(200))
    delivered_by: Mapped[str] = mapped_column(String(200))
    attendance: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    # The campaign it was held for (mhst.campaigns, named by table only: wholeschool sits
    # below campaigns in the layers).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[School] = relationship()
    recorded_by: Mapped[User] = relationship()
    principle_links: Mapped[list[ActivityPrinciple]] = relationship(
        cascade="all, delete-orphan", order_by="ActivityPrinciple.principle"
    )

    @property
    def principles(self) -> list[Principle]:
        return [link.principle for link in self.principle_links]

    @property
    def kind_label(self) -> str:
        return (
            self.other_kind
            if self.kind is ActivityKind.OTHER and self.other_kind
            else (self.kind.label)
        )
