"""The history of corrections to sessions: a 1:1 session rescheduled, its time or
attendance corrected, or deleted as entered in error; a group session's date or
attendance corrected, or deleted. Each row says what changed, from what to what, why,
who changed it and when; nothing a correction replaces is lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db


class ChangeKind(LabelledEnum):
    RESCHEDULED = "rescheduled"  # a booked 1:1 session moved to another time
    CANCELLED = "cancelled"  # a booked 1:1 session cancelled before it started
    TIME_CORRECTED = "time_corrected"  # a logged 1:1 session's date or time corrected
    ATTENDANCE_CHANGED = "attendance_changed"  # what happened at a logged 1:1 session
    DATE_CORRECTED = "date_corrected"  # a group session's date
    GROUP_ATTENDANCE_CHANGED = "group_attendance_changed"
    ENTERED_IN_ERROR = "entered_in_error"  # deleted: kept, struck through, counted nowhere

    @property
    def label(self) -> str:
        return {
            ChangeKind.TIME_CORRECTED: "Date or time corrected",
            ChangeKind.DATE_CORRECTED: "Date corrected",
            ChangeKind.GROUP_ATTENDANCE_CHANGED: "Attendance changed",
            ChangeKind.ENTERED_IN_ERROR: "Deleted: entered in error",
        }.get(self, super().label)


class SessionChange(db.Model):
    __tablename__ = "session_change"
    __table_args__ = (
        CheckConstraint(
            "(care_contact_id IS NULL) <> (group_session_id IS NULL)", name="one_session"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    care_contact_id: Mapped[int | None] = mapped_column(ForeignKey("care_contact.id"), index=True)
    group_session_id: Mapped[int | None] = mapped_column(ForeignKey("group_session.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(string_enum(ChangeKind, "session_change_kind", 30))
    from_value: Mapped[str | None] = mapped_column(Text)  # as a person reads it
    to_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User] = relationship()
