"""Allocation of a referral to a practitioner, and discharge (1:1 sessions are in
``mhst.sessions.models``).

Discharge is a referral status (``ReferralStatus.DISCHARGED``) with its reason and
closing summary on :class:`Discharge`; reopening is a status change with a reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.referrals.models import Referral


class Allocation(db.Model):
    """A referral allocated to a practitioner for a period; reallocation ends the current
    one and starts another, so the history is kept."""

    __tablename__ = "allocation"
    __table_args__ = (
        # At most one current allocation per referral.
        Index(
            "uq_allocation_current",
            "referral_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    allocated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship()
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    allocated_by: Mapped[User] = relationship(foreign_keys=[allocated_by_id])


class DischargeReason(LabelledEnum):
    GOALS_MET = "goals_met"
    STEPPED_UP = "stepped_up"
    SIGNPOSTED_ON = "signposted_on"
    DISENGAGED = "disengaged"
    MOVED_SCHOOL = "moved_school"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    OTHER = "other"


class Discharge(db.Model):
    """Why and how a case was closed; onward services are ``ReferralSignpost`` rows on the
    discharge's status event. A reopened case keeps its earlier discharges."""

    __tablename__ = "discharge"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("referral_event.id"))
    reason: Mapped[DischargeReason] = mapped_column(
        string_enum(DischargeReason, "discharge_reason", 30)
    )
    summary: Mapped[str] = mapped_column(Text)
    # Why no final measure was taken, when none was recorded since the last session.
    final_measures_note: Mapped[str | None] = mapped_column(Text)
    discharged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    discharged_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    referral: Mapped[Referral] = relationship()
    discharged_by: Mapped[User] = relationship()
