from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.core.versions import version_column, versioned
from mhst.extensions import db
from mhst.organisation.models import ServiceArea, Team
from mhst.security.scoping import Kind, Shape

if TYPE_CHECKING:
    from mhst.accounts.models import User
    from mhst.cohorts.models import Cohort


class SchoolPhase(LabelledEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    ALL_THROUGH = "all_through"
    SPECIAL = "special"
    ALTERNATIVE_PROVISION = "alternative_provision"
    COLLEGE = "college"


class ParticipationStatus(LabelledEnum):
    NOT_PARTICIPATING = "not_participating"
    INTEREST_REGISTERED = "interest_registered"
    ASSIGNED_TO_COHORT = "assigned_to_cohort"
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"
    LEFT = "left"


class School(db.Model):
    """A school or college in the service's area, participating or not."""

    __tablename__ = "school"
    __table_args__ = (
        CheckConstraint("length(urn) = 6", name="urn_six_digits"),
        CheckConstraint("pupils_on_roll >= 0", name="pupils_not_negative"),
        Index("ix_school_name_id", "name", "id"),  # the register, A to Z (keyset)
        # The public list's search by part of a name (ILIKE '%words%'): trigrams,
        # PostgreSQL only (migration 0030_public_search).
        Index(
            "ix_school_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = version_column()
    __mapper_args__ = versioned(version)  # an edit saved on an older version is refused
    name: Mapped[str] = mapped_column(String(200))
    urn: Mapped[str] = mapped_column(String(6), unique=True)
    phase: Mapped[SchoolPhase | None] = mapped_column(string_enum(SchoolPhase, "phase", 30))
    area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"), index=True)
    local_authority: Mapped[str | None] = mapped_column(String(120))
    pupils_on_roll: Mapped[int | None] = mapped_column(Integer)
    # The school office's address: campaigns go to it when no Mental Health Lead is named.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id"), index=True)
    participation_status: Mapped[ParticipationStatus] = mapped_column(
        string_enum(ParticipationStatus, "participation_status", 30),
        default=ParticipationStatus.NOT_PARTICIPATING,
        index=True,
    )

    area: Mapped[ServiceArea] = relationship()
    team: Mapped[Team | None] = relationship(back_populates="schools")
    cohort: Mapped[Cohort | None] = relationship(back_populates="schools")
    onboarding: Mapped[SchoolOnboarding | None] = relationship(
        back_populates="school", uselist=False
    )
    participation_events: Mapped[list[ParticipationEvent]] = relationship(
        back_populates="school", order_by="ParticipationEvent.occurred_at.desc()"
    )
    lead_assignments: Mapped[list[SchoolLeadAssignment]] = relationship(
        back_populates="school", order_by="SchoolLeadAssignment.started_at.desc()"
    )

    @property
    def nhs_org_code(self) -> str:
        """The school's NHS organisation code: its DfE URN with an ``EE`` prefix."""
        return f"EE{self.urn}"

    @classmethod
    def scope_shape(cls) -> Shape:
        """For ``mhst.security.scoping``: a school is its team's and its own."""
        return Shape(
            Kind.SCHOOL,
            of_team=lambda team_id: cls.team_id == team_id,
            of_school=lambda school_id: cls.id == school_id,
        )

    def __repr__(self) -> str:
        return f"<School {self.urn} {self.name!r}>"


class ParticipationEvent(db.Model):
    """One change of a school's participation status: who, when, why."""

    __tablename__ = "participation_event"
    __table_args__ = (
        # A school's history in order (the rollout's status at each year end).
        Index("ix_participation_event_school_id_occurred_at", "school_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    from_status: Mapped[ParticipationStatus | None] = mapped_column(
        string_enum(ParticipationStatus, "participation_from_status", 30)
    )
    to_status: Mapped[ParticipationStatus] = mapped_column(
        string_enum(ParticipationStatus, "participation_to_status", 30)
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    school: Mapped[School] = relationship(back_populates="participation_events")
    by_user: Mapped[User | None] = relationship()


class SchoolOnboarding(db.Model):
    """What seed 001 asks of a participating school before it goes active.

    Whether a lead is named comes from :class:`SchoolLeadAssignment`, not from here.
    """

    __tablename__ = "school_onboarding"

    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True)
    lead_capacity_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    involves_children_and_families: Mapped[bool] = mapped_column(Boolean, default=False)
    supports_evaluation: Mapped[bool] = mapped_column(Boolean, default=False)
    accommodation_available: Mapped[bool] = mapped_column(Boolean, default=False)
    safeguarding_aligned: Mapped[bool] = mapped_column(Boolean, default=False)
    welcome_pack_sent_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    school: Mapped[School] = relationship(back_populates="onboarding")


class LeadKind(enum.StrEnum):
    LEAD = "lead"
    DEPUTY = "deputy"

    @property
    def label(self) -> str:
        return "Mental Health Lead" if self is LeadKind.LEAD else "Deputy Mental Health Lead"


class SchoolLeadAssignment(db.Model):
    """A school's named Mental Health Lead (or deputy) for a period; history is kept."""

    __tablename__ = "school_lead_assignment"
    __table_args__ = (
        # At most one current lead and one current deputy per school.
        Index(
            "uq_school_lead_assignment_current",
            "school_id",
            "kind",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[LeadKind] = mapped_column(string_enum(LeadKind, "lead_kind", 10))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    school: Mapped[School] = relationship(back_populates="lead_assignments")
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class InterestStatus(LabelledEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class InterestRegistration(db.Model):
    """A school not yet in the programme asking to join a future cohort (public form)."""

    __tablename__ = "interest_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_name: Mapped[str] = mapped_column(String(200))
    urn: Mapped[str] = mapped_column(String(6), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("service_area.id"))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_role: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254))
    pupils_on_roll: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[InterestStatus] = mapped_column(
        string_enum(InterestStatus, "interest_status", 10), default=InterestStatus.PENDING
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    # The campaign whose email link it came from (mhst.campaigns, named by table only:
    # schools sit below campaigns in the layers).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)

    area: Mapped[ServiceArea] = relationship()
    school: Mapped[School | None] = relationship()


class SchoolRoom(db.Model):
    """A room the school provides for the team's face-to-face sessions (the school
    provides accommodation). Rooms no longer used are made inactive, never deleted:
    past sessions keep naming them."""

    __tablename__ = "school_room"
    __table_args__ = (Index("uq_school_room_school_id_name", "school_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    school: Mapped[School] = relationship()
