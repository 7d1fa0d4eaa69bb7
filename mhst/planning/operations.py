"""The planner's rules: setting the weights (history kept, a stale save refused) and
adding chosen waiting schools to a cohort in one step. Views call these and commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from mhst.accounts.models import User
from mhst.audit import operations as audit
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.cohorts.models import Cohort
from mhst.core.academic_year import academic_year_of
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.planning.models import NeedWeights, PlanDecision, PlanDecisionSchool
from mhst.planning.queries import Filters, as_decimal, ranks_of
from mhst.planning.score import COMPONENTS, DEFAULT_WEIGHTS, Weights, check_weight
from mhst.schools.models import ParticipationStatus, School
from mhst.schools.operations import change_participation

MAX_SCHOOLS_AT_ONCE = 100


def current_weights() -> NeedWeights | None:
    """The weights in use: the latest saved, or None (the defaults) if none was saved."""
    return db.session.scalars(
        select(NeedWeights).order_by(NeedWeights.number.desc()).limit(1)
    ).first()


def weights_history(limit: int = 10) -> Sequence[NeedWeights]:
    """The latest settings of the weights, newest first, with who set them."""
    return db.session.scalars(
        select(NeedWeights)
        .options(db.joinedload(NeedWeights.set_by))
        .order_by(NeedWeights.number.desc())
        .limit(limit)
    ).all()


def weights_in_use(row: NeedWeights | None) -> Weights:
    return DEFAULT_WEIGHTS if row is None else row.as_weights()


def set_weights(weights: Weights, *, based_on: int, by: User | None) -> NeedWeights:
    """Save ``weights`` as the next setting. ``based_on`` is the number of the setting the
    form showed (0: the defaults); if someone has saved since, nothing is saved."""
    for name in COMPONENTS:
        if not check_weight(getattr(weights, name)):
            raise RuleError(name, "Enter a weight from 0 to 10")
    if not any(getattr(weights, name) for name in COMPONENTS):
        raise RuleError(COMPONENTS[0], "Give at least one weight more than 0")
    current = current_weights()
    if (current.number if current else 0) != based_on:
        who = current.set_by.full_name if current and current.set_by else "someone"
        raise RuleError(
            "",
            f"The weights were changed by {who} after you opened this page, so nothing was "
            "saved: the page now shows their weights; change them again if you still need to",
        )
    row = NeedWeights(number=based_on + 1, set_by_id=by.id if by else None)
    for name in COMPONENTS:
        setattr(row, name, getattr(weights, name))
    db.session.add(row)
    db.session.flush()
    detail = ", ".join(f"{name} {getattr(weights, name)}" for name in COMPONENTS)
    audit.record(AuditAction.UPDATE, AuditRecordType.NEED_WEIGHTS, row.id, user=by, detail=detail)
    return row


def _weights_row(by: User | None) -> NeedWeights:
    """The current weights as a row a decision can name (the defaults saved if none was)."""
    row = current_weights()
    if row is None:
        row = set_weights(DEFAULT_WEIGHTS, based_on=0, by=by)
    return row


def open_cohorts(today: date) -> Sequence[Cohort]:
    """Cohorts schools may still be added to: this academic year's and later ones."""
    return db.session.scalars(
        select(Cohort)
        .where(Cohort.academic_year >= academic_year_of(today))
        .options(db.selectinload(Cohort.teams))
        .order_by(Cohort.go_live_date, Cohort.name)
    ).all()


def _check_choice(school_ids, cohort: Cohort, team: Team, reason: str, today: date) -> str:
    reason = (reason or "").strip()
    if not school_ids:
        raise RuleError("school_ids", "Select the schools to add to the cohort")
    if len(school_ids) > MAX_SCHOOLS_AT_ONCE:
        raise RuleError("school_ids", f"Select at most {MAX_SCHOOLS_AT_ONCE} schools at once")
    if cohort.academic_year < academic_year_of(today):
        raise RuleError("cohort_id", "Choose a cohort of this academic year or a later one")
    if team not in cohort.teams:
        names = ", ".join(t.name for t in cohort.teams)
        raise RuleError("serving_team_id", f"Choose one of the teams of {cohort.name}: {names}")
    if not reason:
        raise RuleError("reason", "Give the reason these schools are joining the cohort")
    return reason


def _locked_schools(school_ids: Sequence[int]) -> list[School]:
    """The schools, locked until the commit (SELECT ... FOR UPDATE on PostgreSQL), read
    afresh: a planner who got there first has committed, and we see what they did."""
    return list(
        db.session.scalars(
            select(School)
            .where(School.id.in_(school_ids))
            .order_by(School.id)  # one order for every planner: no deadlock
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def add_to_cohort(
    school_ids: Sequence[int],
    *,
    cohort: Cohort,
    team: Team,
    reason: str,
    filters: Filters,
    today: date,
    by: User,
) -> PlanDecision:
    """Assign every chosen school to ``cohort`` and ``team`` with the reason, and record
    the decision with each school's score and rank: all of them, or (a school no longer
    waiting, or gone) none."""
    reason = _check_choice(list(school_ids), cohort, team, reason, today)
    schools = _locked_schools(school_ids)
    found = {school.id for school in schools}
    if found != set(school_ids):
        raise RuleError("school_ids", "A school you chose is no longer on the register")
    changed = [s for s in schools if s.participation_status not in filters.statuses]
    if changed:
        names = "; ".join(
            f"{s.name} is now {s.participation_status.label.lower()}" for s in changed
        )
        raise RuleError(
            "school_ids",
            f"Nothing was added: these schools are no longer waiting: {names}",
        )
    others = [s for s in schools if s.team_id not in (None, team.id)]
    if others:
        names = "; ".join(f"{s.name} is {s.team.name}'s" for s in others)
        raise RuleError(
            "serving_team_id",
            f"Choose the team that already has these schools, or other schools: {names}",
        )
    weights_row = _weights_row(by)
    ranks = ranks_of(list(school_ids), weights_row.as_weights(), filters, today)
    if len(ranks) != len(schools):
        raise RuleError(
            "school_ids",
            "A school you chose is not in the list as it is now filtered: "
            "rank the schools again and choose from the list",
        )
    decision = PlanDecision(
        cohort=cohort, team=team, weights=weights_row, reason=reason, decided_by_id=by.id
    )
    db.session.add(decision)
    for school in schools:
        change_participation(
            school, ParticipationStatus.ASSIGNED_TO_COHORT, by=by, reason=reason, cohort=cohort
        )
        school.team = team
        rank, score, fewer = ranks[school.id]
        decision.schools.append(
            PlanDecisionSchool(
                school=school, rank=rank, score=as_decimal(score), fewer_figures=bool(fewer)
            )
        )
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        AuditRecordType.PLAN_DECISION,
        decision.id,
        user=by,
        detail=f"{len(schools)} schools to {cohort.name} ({team.name})",
    )
    return decision
