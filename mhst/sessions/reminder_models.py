"""Reminders of 1:1 sessions sent to families (``mhst.sessions.reminders`` sends them).

One row per session and channel (text or email), so a job run twice sends once. A row
keeps the time it announced (``announced_starts_at``): a session moved after its
reminder is reminded again for its new time, on the same row (see the module's doc).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, contains_eager, mapped_column, relationship

from mhst.core.time import SERVICE_TIME_ZONE, utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.referrals.models import Referral
from mhst.sessions.models import CareContact

ERROR_MAX = 500


class ReminderChannel(LabelledEnum):
    TEXT = "text"
    EMAIL = "email"

    @property
    def label(self) -> str:
        return {ReminderChannel.TEXT: "Text message", ReminderChannel.EMAIL: "Email"}[self]


class ReminderStatus(LabelledEnum):
    PENDING = "pending"  # claimed by a job run, being sent
    SENT = "sent"  # Notify accepted it
    DELIVERED = "delivered"  # Notify says it reached the phone or inbox
    FAILED = "failed"  # refused, or Notify could not deliver it (``error`` says why)
    LOGGED = "logged"  # no Notify key: written to the log (the development outbox)
    NOT_SENT = "not_sent"  # not attempted (``error`` says why)

    @property
    def label(self) -> str:
        """As it follows "Reminder by text: "."""
        return {
            ReminderStatus.PENDING: "being sent",
            ReminderStatus.SENT: "sent",
            ReminderStatus.DELIVERED: "delivered",
            ReminderStatus.FAILED: "failed",
            ReminderStatus.LOGGED: "logged, not sent (no Notify key)",
            ReminderStatus.NOT_SENT: "not sent",
        }[self]

    @property
    def problem(self) -> bool:
        return self in (ReminderStatus.FAILED, ReminderStatus.NOT_SENT)


class SessionReminder(db.Model):
    __tablename__ = "session_reminder"
    __table_args__ = (UniqueConstraint("care_contact_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    care_contact_id: Mapped[int] = mapped_column(ForeignKey("care_contact.id"))
    channel: Mapped[ReminderChannel] = mapped_column(
        string_enum(ReminderChannel, "reminder_channel", 10)
    )
    status: Mapped[ReminderStatus] = mapped_column(
        string_enum(ReminderStatus, "reminder_status", 20), index=True
    )
    announced_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notify_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    # The development outbox's copy of what was sent (no key set): the personalisation.
    logged_text: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    care_contact: Mapped[CareContact] = relationship()

    def describe(self) -> str:
        """ "Reminder by text: delivered", "Reminder by email: failed: <reason>"."""
        how = "text" if self.channel is ReminderChannel.TEXT else "email"
        text = f"Reminder by {how}: {self.status.label}"
        if self.status.problem and self.error:
            text += f": {self.error}"
        return text


def reminders_for(contact_ids: list[int]) -> dict[int, list[SessionReminder]]:
    """Each session's reminders (text first), in one query."""
    found: dict[int, list[SessionReminder]] = {}
    if not contact_ids:
        return found
    rows = db.session.scalars(
        select(SessionReminder)
        .where(SessionReminder.care_contact_id.in_(contact_ids))
        .order_by(SessionReminder.care_contact_id, SessionReminder.channel.desc())
    )
    for reminder in rows:
        found.setdefault(reminder.care_contact_id, []).append(reminder)
    return found


def _problems_clause(user_id: int, since: datetime):
    """Reminders that could not be sent, of ``user_id``'s booked sessions from ``since``."""
    return (
        SessionReminder.status.in_([ReminderStatus.FAILED, ReminderStatus.NOT_SENT]),
        CareContact.practitioner_id == user_id,
        CareContact.attendance.is_(None),
        CareContact.entered_in_error_at.is_(None),
        CareContact.starts_at >= since,
    )


def problem_count(user_id: int, since: datetime) -> int:
    """How many reminders of the practitioner's booked sessions could not be sent."""
    return db.session.scalar(
        select(func.count(SessionReminder.id))
        .join(CareContact, CareContact.id == SessionReminder.care_contact_id)
        .where(*_problems_clause(user_id, since))
    )


def problems(user_id: int, since: datetime, extra=()) -> list[SessionReminder]:
    """The practitioner's reminders that could not be sent, soonest session first."""
    return list(
        db.session.scalars(
            select(SessionReminder)
            .join(CareContact, CareContact.id == SessionReminder.care_contact_id)
            .where(*_problems_clause(user_id, since), *extra)
            .options(
                contains_eager(SessionReminder.care_contact)
                .joinedload(CareContact.referral)
                .joinedload(Referral.child)
            )
            .order_by(CareContact.starts_at, SessionReminder.id)
        )
    )


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight this morning in the UK, as an aware moment."""
    day = (now or utcnow()).astimezone(SERVICE_TIME_ZONE).date()
    return datetime(day.year, day.month, day.day, tzinfo=SERVICE_TIME_ZONE)
