"""Case-management supervision: a senior clinician and a practitioner discuss cases."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.referrals.models import Referral


class SupervisionRecord(db.Model):
    __tablename__ = "supervision_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    cases: Mapped[list[SupervisionCase]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="SupervisionCase.id"
    )


class SupervisionCase(db.Model):
    """One case discussed in supervision, with the decision or action agreed."""

    __tablename__ = "supervision_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_record.id", ondelete="CASCADE"), index=True
    )
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    decision: Mapped[str] = mapped_column(Text)

    record: Mapped[SupervisionRecord] = relationship(back_populates="cases")
    referral: Mapped[Referral] = relationship()
