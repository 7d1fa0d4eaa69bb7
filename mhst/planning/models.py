"""The need score's weights (each save a new row: the history is kept) and the record
of each decision to add waiting schools to a cohort: who, when, why, with which weights,
and each school's score and rank at that moment."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, SmallInteger, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mhst.accounts.models import User
from mhst.cohorts.models import Cohort
from mhst.core.time import utcnow
from mhst.core.types import UTCDateTime
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.planning.score import Weights
from mhst.schools.models import School


class NeedWeights(db.Model):
    """One setting of the weights. The current one has the highest ``number``; two saves
    made on the same setting both ask for the next number, and the unique key keeps one."""

    __tablename__ = "need_weights"
    __table_args__ = tuple(
        CheckConstraint(f"{name} BETWEEN 0 AND 10", name=f"{name}_range")
        for name in ("deprivation", "fsm", "wellbeing", "belonging", "waiting")
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # 1, 2, 3... (the version)
    deprivation: Mapped[int] = mapped_column(SmallInteger)
    fsm: Mapped[int] = mapped_column(SmallInteger)
    wellbeing: Mapped[int] = mapped_column(SmallInteger)
    belonging: Mapped[int] = mapped_column(SmallInteger)
    waiting: Mapped[int] = mapped_column(SmallInteger)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    set_by: Mapped[User | None] = relationship()

    def as_weights(self) -> Weights:
        return Weights(
            deprivation=self.deprivation,
            fsm=self.fsm,
            wellbeing=self.wellbeing,
            belonging=self.belonging,
            waiting=self.waiting,
        )


class PlanDecision(db.Model):
    """Schools added to a cohort from the planner in one step, and why."""

    __tablename__ = "plan_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    weights_id: Mapped[int] = mapped_column(ForeignKey("need_weights.id"))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    cohort: Mapped[Cohort] = relationship()
    team: Mapped[Team] = relationship()
    weights: Mapped[NeedWeights] = relationship()
    decided_by: Mapped[User | None] = relationship()
    schools: Mapped[list[PlanDecisionSchool]] = relationship(
        back_populates="decision", order_by="PlanDecisionSchool.rank"
    )


class PlanDecisionSchool(db.Model):
    """One school of a decision: its need score and rank when it was chosen."""

    __tablename__ = "plan_decision_school"
    __table_args__ = (CheckConstraint("rank >= 1", name="rank_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("plan_decision.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)  # among the waiting schools ranked then
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # None: no figures
    fewer_figures: Mapped[bool] = mapped_column(default=False)

    decision: Mapped[PlanDecision] = relationship(back_populates="schools")
    school: Mapped[School] = relationship()
