"""Case-management supervision: a senior clinician and a practitioner discuss cases.

A record belongs to the team where the supervision took place (``team_id``, stored when
it is made), not to the practitioner's team of today: a practitioner who moves team
leaves their supervision with the old team's senior clinicians.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Text, event, select
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
    # The team where it took place; None only for old records of a practitioner who had
    # no team when the column was added (migration 0013_scoping).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
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


@event.listens_for(SupervisionRecord, "before_insert")
def _team_at_the_time(mapper, connection, target: SupervisionRecord) -> None:
    """A record made without a team takes the practitioner's team as it is now, the team
    where the supervision took place (``operations.record_supervision`` names it itself)."""
    if target.team_id is None:
        practitioner = target.__dict__.get("practitioner")  # if set; never loaded mid-flush
        target.team_id = (
            practitioner.team_id
            if practitioner is not None
            else connection.scalar(select(User.team_id).where(User.id == target.practitioner_id))
        )
