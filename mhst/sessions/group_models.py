"""Group programmes, their participants, sessions and attendance.

A targeted group's participants are referred children, or the parents of referred
children (a parents' group); a universal group records only a head count per session.
Whether a group counts towards access is computed (``operations.counts_towards_access``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.core.versions import version_column, versioned
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.referrals.models import Referral
from mhst.schools.models import School, SchoolRoom
from mhst.security.scoping import Kind, Shape


class GroupKind(LabelledEnum):
    TARGETED = "targeted"  # up to about 8 triaged children
    UNIVERSAL = "universal"  # 8 to 30, not referred


class GroupAudience(LabelledEnum):
    CHILDREN = "children"
    PARENTS = "parents"

    @property
    def label(self) -> str:
        return (
            "Children and young people" if self is GroupAudience.CHILDREN else "Parents or carers"
        )


group_facilitator = Table(
    "group_facilitator",
    db.metadata,
    Column("group_id", ForeignKey("group_programme.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


class GroupProgramme(db.Model):
    __tablename__ = "group_programme"
    __table_args__ = (
        CheckConstraint("planned_sessions >= 1 AND planned_sessions <= 52", name="planned_range"),
        CheckConstraint("is_virtual OR school_id IS NOT NULL", name="school_or_virtual"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[GroupKind] = mapped_column(string_enum(GroupKind, "group_kind", 20))
    audience: Mapped[GroupAudience] = mapped_column(
        string_enum(GroupAudience, "group_audience", 20)
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    is_virtual: Mapped[bool] = mapped_column(Boolean, default=False)
    planned_sessions: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    team: Mapped[Team] = relationship()
    school: Mapped[School | None] = relationship()
    facilitators: Mapped[list[User]] = relationship(secondary=group_facilitator)
    participants: Mapped[list[GroupParticipant]] = relationship(
        back_populates="group", order_by="GroupParticipant.id"
    )
    sessions: Mapped[list[GroupSession]] = relationship(
        back_populates="group", order_by="GroupSession.held_on"
    )

    @classmethod
    def scope_shape(cls) -> Shape:
        """For ``mhst.security.scoping``: a group is its team's, wherever it is held (a
        group's page names children: the views audit its reads themselves)."""
        return Shape(
            Kind.TEAM,
            of_team=lambda team_id: cls.team_id == team_id,
            load=(joinedload(cls.school), joinedload(cls.team)),
        )


class GroupParticipant(db.Model):
    """A referred child in a group, or (``as_parent``) their parent or carer."""

    __tablename__ = "group_participant"
    __table_args__ = (
        UniqueConstraint("group_id", "referral_id", name="uq_group_participant_referral"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group_programme.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    as_parent: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[GroupProgramme] = relationship(back_populates="participants")
    referral: Mapped[Referral] = relationship()


class GroupSession(db.Model):
    __tablename__ = "group_session"
    __table_args__ = (
        CheckConstraint("head_count IS NULL OR head_count >= 0", name="head_count_not_negative"),
        CheckConstraint(
            "duration_minutes IS NULL OR (duration_minutes > 0 AND duration_minutes <= 480)",
            name="duration_range",
        ),
        CheckConstraint(
            "(starts_at IS NULL) = (duration_minutes IS NULL)", name="time_with_duration"
        ),
        CheckConstraint("room_id IS NULL OR starts_at IS NOT NULL", name="room_needs_time"),
        # One session per group per date, however many people record it at once (a
        # session entered in error leaves its date free).
        Index(
            "uq_group_session_group_id_held_on",
            "group_id",
            "held_on",
            unique=True,
            sqlite_where=text("entered_in_error_at IS NULL"),
            postgresql_where=text("entered_in_error_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = version_column()
    __mapper_args__ = versioned(version)  # an edit saved on an older version is refused
    group_id: Mapped[int] = mapped_column(ForeignKey("group_programme.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)  # the extract's group rows
    topic: Mapped[str | None] = mapped_column(String(200))
    head_count: Mapped[int | None] = mapped_column(Integer)  # universal groups
    # When it started (typed in UK time, stored UTC, as a 1:1 session's ``starts_at``) and
    # for how long, and the school's room: all empty for a session recorded by its date
    # only ("time not recorded"), which is never in a clash (``mhst.sessions.booking``).
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("school_room.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deleted as entered in error: kept, struck through, counted nowhere.
    entered_in_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[GroupProgramme] = relationship(back_populates="sessions")
    room: Mapped[SchoolRoom | None] = relationship()
    attendances: Mapped[list[GroupAttendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def in_error(self) -> bool:
        return self.entered_in_error_at is not None

    @property
    def timed(self) -> bool:
        return self.starts_at is not None

    @property
    def ends_at(self) -> datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + timedelta(minutes=self.duration_minutes)


def group_session_counts():
    """The clause keeping group sessions entered in error out of every count."""
    return GroupSession.entered_in_error_at.is_(None)


class GroupAttendance(db.Model):
    """Whether one participant came to one session (it shows on their record)."""

    __tablename__ = "group_attendance"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_session.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("group_participant.id"), primary_key=True
    )
    attended: Mapped[bool] = mapped_column(Boolean)

    session: Mapped[GroupSession] = relationship(back_populates="attendances")
    participant: Mapped[GroupParticipant] = relationship()
