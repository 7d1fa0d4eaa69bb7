"""What the planner adds to the cohort page (``mhst.core.signals``): the decisions that
added schools to the cohort, each with its reason, weights and the schools' scores."""

from __future__ import annotations

from sqlalchemy import select

from mhst.core import signals
from mhst.extensions import db
from mhst.planning.models import PlanDecision, PlanDecisionSchool


@signals.cohort_page.connect
def _cohort_decisions(cohort, **_) -> dict:
    decisions = db.session.scalars(
        select(PlanDecision)
        .where(PlanDecision.cohort_id == cohort.id)
        .options(
            db.joinedload(PlanDecision.team),
            db.joinedload(PlanDecision.weights),
            db.joinedload(PlanDecision.decided_by),
            db.selectinload(PlanDecision.schools).joinedload(PlanDecisionSchool.school),
        )
        .order_by(PlanDecision.decided_at.desc(), PlanDecision.id.desc())
    ).all()
    return {"plan_decisions": decisions}
