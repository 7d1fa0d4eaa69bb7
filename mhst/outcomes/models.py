"""Recorded outcome measures: one :class:`MeasureRecord` per completed questionnaire,
with the answers given (when recorded by item) and the scores the code computed.

The questionnaire itself is a definition file (:mod:`mhst.outcomes.definitions`), named
here by its ``measure_code``; scores are never typed, only computed by
:mod:`mhst.outcomes.scoring` (from items, or checked totals from a paper form).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime, string_enum
from mhst.extensions import db
from mhst.outcomes.definitions import Respondent
from mhst.referrals.models import Referral
from mhst.sessions.models import CareContact


class MeasureRecord(db.Model):
    """A measure completed for a referral on a date, at a session or on its own."""

    __tablename__ = "measure_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    measure_code: Mapped[str] = mapped_column(String(20))
    completed_on: Mapped[date] = mapped_column(Date, index=True)
    respondent: Mapped[Respondent] = mapped_column(string_enum(Respondent, "respondent", 20))
    # The session it was completed at, if any.
    care_contact_id: Mapped[int | None] = mapped_column(ForeignKey("care_contact.id"), index=True)
    # True: answers recorded item by item; False: scale totals copied from a paper form.
    by_item: Mapped[bool] = mapped_column(Boolean)
    # True: the family answered it themselves online, through a questionnaire link
    # (mhst.questionnaires); recorded_by is then the practitioner who sent the link.
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    referral: Mapped[Referral] = relationship()
    care_contact: Mapped[CareContact | None] = relationship()
    recorded_by: Mapped[User] = relationship()
    answers: Mapped[list[MeasureAnswer]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="MeasureAnswer.item_number"
    )
    scores: Mapped[list[MeasureScore]] = relationship(
        back_populates="record", cascade="all, delete-orphan", order_by="MeasureScore.position"
    )

    def score_of(self, scale: str) -> Decimal | None:
        return next((s.score for s in self.scores if s.scale == scale), None)


class MeasureAnswer(db.Model):
    """One item's answer; ``item_text`` holds the family's own words where the measure
    asks for them (a Goal Based Outcomes goal)."""

    __tablename__ = "measure_answer"
    __table_args__ = (CheckConstraint("item_number >= 1", name="item_number_positive"),)

    record_id: Mapped[int] = mapped_column(
        ForeignKey("measure_record.id", ondelete="CASCADE"), primary_key=True
    )
    item_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    item_text: Mapped[str | None] = mapped_column(String(500))

    record: Mapped[MeasureRecord] = relationship(back_populates="answers")


class MeasureScore(db.Model):
    """A computed scale score (a subscale or ``total``); ``position`` keeps the
    definition's order of scales."""

    __tablename__ = "measure_score"

    record_id: Mapped[int] = mapped_column(
        ForeignKey("measure_record.id", ondelete="CASCADE"), primary_key=True
    )
    scale: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    score: Mapped[Decimal] = mapped_column(Numeric(8, 2))

    record: Mapped[MeasureRecord] = relationship(back_populates="scores")
