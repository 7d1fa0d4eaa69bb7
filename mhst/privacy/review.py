"""The retention review: closed records past their retention date, listed for an
administrator or clinical lead, who approves each one's deletion or pseudonymisation
with a reason; ``flask retention-review`` then applies what was approved
(:mod:`mhst.privacy.disposal`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import and_, case, func, select

from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.rules import RuleError
from mhst.extensions import db
from mhst.privacy.erasure import check_reason
from mhst.privacy.graph import collect
from mhst.privacy.models import RetentionAction, RetentionDecision
from mhst.privacy.retention import RetentionRule, is_past, retain_until
from mhst.referrals.models import CLOSED_STATUSES, Child, Referral
from mhst.security.scoping import Kind, scope


@dataclass(frozen=True)
class Closed:
    """A child whose referrals are all closed, and how long the record is kept."""

    child_id: int
    date_of_birth: date
    end_of_treatment: date
    retain_until: date


def rule() -> RetentionRule:
    return RetentionRule.from_config(current_app.config)


def _closed_children(user, *, born_before: date | None = None, child_id: int | None = None):
    """(child id, date of birth, last closed) of children with every referral closed,
    whose referrals ``user`` reaches as records."""
    open_referrals = func.sum(case((Referral.status.in_(CLOSED_STATUSES), 0), else_=1))
    stmt = (
        select(Child.id, Child.date_of_birth, func.max(Referral.closed_on))
        .join(Referral, Referral.child_id == Child.id)
        .where(scope(user, Referral, Kind.RECORDS))
        .group_by(Child.id, Child.date_of_birth)
        .having(open_referrals == 0)
    )
    if born_before is not None:
        stmt = stmt.where(Child.date_of_birth < born_before)
    if child_id is not None:
        stmt = stmt.where(Child.id == child_id)
    return db.session.execute(stmt).all()


def closed_record(user, child_id: int) -> Closed | None:
    """The child's retention, if every referral of theirs is closed."""
    found = _closed_children(user, child_id=child_id)
    if not found:
        return None
    (child, born, ended) = found[0]
    return Closed(child, born, ended, retain_until(born, ended, rule()))


def _pseudonymised() -> select:
    return select(RetentionDecision.child_id).where(
        RetentionDecision.action == RetentionAction.PSEUDONYMISE,
        RetentionDecision.applied_at.is_not(None),
        RetentionDecision.child_id.is_not(None),
    )


def past_retention(user, today: date) -> list[Closed]:
    """Closed records past their retention date and not yet pseudonymised, the longest
    overdue first. Only children old enough are read: none is due before their
    ``RETENTION_AGE`` birthday."""
    retention = rule()
    done = set(db.session.scalars(_pseudonymised()))
    due = []
    for child_id, born, ended in _closed_children(
        user, born_before=date(today.year - retention.age + 1, 1, 1)
    ):
        until = retain_until(born, ended, retention)
        if is_past(until, today) and child_id not in done:
            due.append(Closed(child_id, born, ended, until))
    return sorted(due, key=lambda closed: (closed.retain_until, closed.child_id))


@dataclass
class ListPage:
    """A page of a list, with what ``templates/macros/pagination.html`` reads."""

    items: list
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, everything: list, page: int, per_page: int = 25) -> ListPage:
        pages = max(math.ceil(len(everything) / per_page), 1)
        page = min(max(page, 1), pages)
        start = (page - 1) * per_page
        return cls(everything[start : start + per_page], page, per_page, len(everything))

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def pending_decisions(child_ids: list[int]) -> dict[int, RetentionDecision]:
    """The approved decisions not yet applied, by child."""
    if not child_ids:
        return {}
    found = db.session.scalars(
        select(RetentionDecision).where(
            and_(RetentionDecision.child_id.in_(child_ids), RetentionDecision.applied_at.is_(None))
        )
    )
    return {decision.child_id: decision for decision in found}


def approve(user, child_id: int, action: RetentionAction, reason: str, today: date):
    """Approve the deletion or pseudonymisation of a record past its retention date."""
    closed = closed_record(user, child_id)
    if closed is None or not is_past(closed.retain_until, today):
        raise RuleError("action", "This record is not past its retention date")
    if child_id in set(db.session.scalars(_pseudonymised())):
        raise RuleError("action", "This record has already been pseudonymised")
    if pending_decisions([child_id]):
        raise RuleError("action", "A decision about this record is already waiting to be applied")
    reason = check_reason(reason, collect([child_id]))
    decision = RetentionDecision(
        child_id=child_id,
        action=action,
        reason=reason,
        retain_until=closed.retain_until,
        approved_by_id=user.id,
    )
    db.session.add(decision)
    db.session.flush()
    record(
        AuditAction.CREATE,
        AuditRecordType.RETENTION_DECISION,
        decision.id,
        user=user,
        detail=f"child {child_id}: {action.value} approved",
    )
    return decision
