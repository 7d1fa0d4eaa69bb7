"""A user's notifications, and which kinds they want by email."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, partial, string_enum
from mhst.extensions import db

TEXT_MAX = 300


class NotificationKind(LabelledEnum):
    CASE_ALLOCATED = "case_allocated"
    CASE_RISK_RAISED = "case_risk_raised"
    REFERRAL_RECEIVED = "referral_received"
    RISK_REVIEW_OVERDUE = "risk_review_overdue"
    REFERRAL_STATUS_CHANGED = "referral_status_changed"
    VISIT_BOOKED = "visit_booked"
    INTEREST_REGISTERED = "interest_registered"

    @property
    def label(self) -> str:
        return {
            NotificationKind.CASE_ALLOCATED: "A case is allocated to you",
            NotificationKind.CASE_RISK_RAISED: "A risk is raised on your case",
            NotificationKind.REFERRAL_RECEIVED: "A referral arrives for your team",
            NotificationKind.RISK_REVIEW_OVERDUE: "A same-day risk review is overdue",
            NotificationKind.REFERRAL_STATUS_CHANGED: "Your school's referral changes status",
            NotificationKind.VISIT_BOOKED: "The team books a visit at your school",
            NotificationKind.INTEREST_REGISTERED: "A school registers interest",
        }[self]

    @property
    def email_by_default(self) -> bool:
        """Risks are emailed unless the user says otherwise; the rest only if they ask."""
        return self in (NotificationKind.CASE_RISK_RAISED, NotificationKind.RISK_REVIEW_OVERDUE)


class EmailState(LabelledEnum):
    PENDING = "pending"  # wanted by email, not sent yet
    SENT = "sent"
    FAILED = "failed"


class Notification(db.Model):
    """One thing a user is told: its kind, a short text naming no child, and a link (an
    endpoint and a record id, scope-checked when followed)."""

    __tablename__ = "notification"
    __table_args__ = (
        # The user's list, newest first (keyset), and their unread count.
        Index("ix_notification_user_id_created_at", "user_id", "created_at", "id"),
        Index("ix_notification_unread", "user_id", **partial("read_at IS NULL")),
        Index("ix_notification_email_pending", "id", **partial("email_state = 'pending'")),
        # "Overdue risk review of this referral": told once (the scheduled check).
        Index("ix_notification_kind_record_id", "kind", "record_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[NotificationKind] = mapped_column(
        string_enum(NotificationKind, "notification_kind", 30)
    )
    text: Mapped[str] = mapped_column(String(TEXT_MAX))
    endpoint: Mapped[str] = mapped_column(String(80))
    record_id: Mapped[int | None] = mapped_column(Integer)
    # The day the link opens at, for a page of a week (a school's visits); else None.
    link_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[EmailState | None] = mapped_column(
        string_enum(EmailState, "notification_email_state", 10)
    )
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Tries at the email so far (each counted when claimed), and when it may next be
    # tried: after a failure, or when a claim by a worker that stopped runs out.
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def unread(self) -> bool:
        return self.read_at is None


class EmailPreference(db.Model):
    """A user's choice of email for one kind of notification (no row: the kind's default)."""

    __tablename__ = "notification_email_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(
        string_enum(NotificationKind, "notification_kind", 30), primary_key=True
    )
    email: Mapped[bool] = mapped_column(Boolean)
