"""Discharge: why and how a case was closed (the allocation record is
``mhst.referrals.allocations.Allocation``; 1:1 sessions are in ``mhst.sessions.models``).

Discharge is a referral status (``ReferralStatus.DISCHARGED``) with its reason and
closing summary on :class:`Discharge`; reopening is a status change with a reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import LabelledEnum, UTCDateTime, string_enum
from mhst.extensions import db
from mhst.referrals.models import Referral


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
    # One discharge per status change (uq_discharge_event_id): a double submit cannot
    # record one closing twice.
    event_id: Mapped[int] = mapped_column(ForeignKey("referral_event.id"), unique=True)
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
