"""Case-management supervision: record the cases a senior clinician and a practitioner
discussed, with the decision or action for each, and find the open cases nobody has
discussed for too long.

Every open case (allocated or in treatment) should be discussed regularly. A case that
has never been discussed counts from the day it was allocated to its practitioner, so a
case allocated last week is not yet overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from mhst.accounts.models import Role, User
from mhst.accounts.practitioners import PRACTITIONER_ROLES, team_practitioners
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record
from mhst.core.rules import RuleError
from mhst.core.time import SERVICE_TIME_ZONE, service_today
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import OPEN_CASE_STATUSES, Child, Referral
from mhst.schools.models import School
from mhst.supervision.models import SupervisionCase, SupervisionRecord

DECISION_MAX = 5000
DEFAULT_INTERVAL_WEEKS = 4


def decision_field(referral_id: int) -> str:
    """The form field a case's decision is typed in (rule errors about a case name it)."""
    return f"decision_{referral_id}"


def discussed_field(referral_id: int) -> str:
    return f"discussed_{referral_id}"


# ---- who takes part -------------------------------------------------------------------


def team_supervisors(team_id: int | None) -> list[User]:
    """Active senior clinicians of the team: the people who supervise."""
    return [user for user in team_practitioners(team_id) if user.role is Role.SENIOR_CLINICIAN]


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def check_held_on(held_on: date, today: date | None = None) -> None:
    today = today or service_today()
    if held_on > today:
        raise RuleError("held_on", "The date of supervision must be today or in the past")
    if held_on < _year_before(today):
        raise RuleError("held_on", "The date of supervision must be within the last year")


def check_decision(name: str, decision: str) -> None:
    if len(decision) > DECISION_MAX:
        raise RuleError("decision", f"The decision for {name} must be 5,000 characters or fewer")


def _check_people(supervisor: User, practitioner: User, by: User) -> None:
    if (
        practitioner.team_id is None
        or practitioner.team_id != by.team_id
        or practitioner.role not in PRACTITIONER_ROLES
        or not practitioner.active
    ):
        raise RuleError("practitioner", "Select a practitioner of your team from the list")
    if (
        supervisor.role is not Role.SENIOR_CLINICIAN
        or supervisor.team_id != practitioner.team_id
        or not supervisor.active
    ):
        raise RuleError("supervisor", "Select a senior clinician of your team as the supervisor")
    if supervisor.id == practitioner.id:
        raise RuleError(
            "supervisor", "Select a supervisor who is not the practitioner being supervised"
        )


# ---- recording a supervision ----------------------------------------------------------


def record_supervision(
    *,
    supervisor: User,
    practitioner: User,
    held_on: date,
    cases: list[tuple[Referral, str]],
    by: User,
    today: date | None = None,
) -> SupervisionRecord:
    """Record a supervision: ``cases`` is each case discussed with its decision or action.

    Each case must be open and currently allocated to ``practitioner``; each is audited
    as an update of the referral ("discussed in supervision"). Raises :class:`RuleError`
    naming the field (``decision_<referral id>`` for a problem with one case).
    """
    _check_people(supervisor, practitioner, by)
    check_held_on(held_on, today)
    if not cases:
        raise RuleError("cases", "Select at least one case you discussed")

    referral_ids = [referral.id for referral, _ in cases]
    allocated_here = set(
        db.session.scalars(
            select(Allocation.referral_id).where(
                Allocation.referral_id.in_(referral_ids),
                Allocation.ended_at.is_(None),
                Allocation.practitioner_id == practitioner.id,
            )
        )
    )
    team_of = dict(
        db.session.execute(
            select(Referral.id, School.team_id)
            .join(School, School.id == Referral.school_id)
            .where(Referral.id.in_(referral_ids))
        ).all()
    )
    names = dict(
        db.session.execute(
            select(Referral.id, Child.given_name + " " + Child.family_name)
            .join(Child, Child.id == Referral.child_id)
            .where(Referral.id.in_(referral_ids))
        ).all()
    )

    seen: set[int] = set()
    discussed: list[tuple[Referral, str]] = []
    for referral, decision in cases:
        field = decision_field(referral.id)
        name = names.get(referral.id, referral.reference)
        if referral.id in seen:
            raise RuleError(field, f"{name}'s case is listed twice: record it once")
        seen.add(referral.id)
        if team_of.get(referral.id) != practitioner.team_id:
            raise RuleError(field, f"{name} is not a case of {practitioner.full_name}'s team")
        if referral.status not in OPEN_CASE_STATUSES:
            raise RuleError(
                field,
                f"{name}'s case is not open ({referral.status.label.lower()}): "
                "only open cases can be discussed",
            )
        if referral.id not in allocated_here:
            raise RuleError(field, f"{name}'s case is not allocated to {practitioner.full_name}")
        decision = (decision or "").strip()
        if not decision:
            raise RuleError(field, f"Enter the decision or action for {name}")
        try:
            check_decision(name, decision)
        except RuleError as error:
            raise RuleError(field, error.message) from None
        discussed.append((referral, decision))

    supervision = SupervisionRecord(
        held_on=held_on,
        supervisor_id=supervisor.id,
        practitioner_id=practitioner.id,
        team_id=practitioner.team_id,  # where it took place (checked to be the recorder's)
        recorded_by_id=by.id,
        cases=[
            SupervisionCase(referral_id=referral.id, decision=decision)
            for referral, decision in discussed
        ],
    )
    db.session.add(supervision)
    db.session.flush()
    record(
        AuditAction.CREATE,
        AuditRecordType.SUPERVISION,
        supervision.id,
        user=by,
        detail=f"{len(discussed)} case(s) discussed with {practitioner.full_name}",
    )
    for referral, _ in discussed:
        detail = "discussed in supervision"
        record(AuditAction.UPDATE, AuditRecordType.REFERRAL, referral.id, user=by, detail=detail)
    return supervision


# ---- open cases and when they were last discussed -------------------------------------


def last_discussions():
    """A subquery: (referral_id, last_discussed) the latest supervision date of each
    referral ever discussed. Join it to a list of cases for one grouped query."""
    return (
        select(
            SupervisionCase.referral_id.label("referral_id"),
            func.max(SupervisionRecord.held_on).label("last_discussed"),
        )
        .join(SupervisionRecord, SupervisionRecord.id == SupervisionCase.record_id)
        .group_by(SupervisionCase.referral_id)
        .subquery("last_discussion")
    )


@dataclass(frozen=True)
class OpenCase:
    """An open case with its current allocation and its last supervision discussion."""

    referral: Referral
    allocation: Allocation
    last_discussed: date | None
    today: date

    @property
    def practitioner(self) -> User:
        return self.allocation.practitioner

    @property
    def allocated_on(self) -> date:
        return self.allocation.allocated_at.astimezone(SERVICE_TIME_ZONE).date()

    @property
    def counted_from(self) -> date:
        """The last discussion, or the allocation if it was never discussed."""
        return self.last_discussed or self.allocated_on

    @property
    def days(self) -> int:
        """Days since the last discussion (since allocation if never discussed)."""
        return (self.today - self.counted_from).days

    @property
    def days_since_discussed(self) -> int | None:
        return None if self.last_discussed is None else (self.today - self.last_discussed).days

    def overdue(self, weeks: int) -> bool:
        return self.days > weeks * 7


def open_cases(
    *,
    team_id: int | None = None,
    practitioner_id: int | None = None,
    today: date | None = None,
) -> list[OpenCase]:
    """Open cases with a current allocation (of a team, or of one practitioner), each with
    its child, school, practitioner and last discussion date: one query, however many."""
    today = today or service_today()
    last = last_discussions()
    stmt = (
        select(Referral, Allocation, last.c.last_discussed)
        .join(
            Allocation,
            (Allocation.referral_id == Referral.id) & Allocation.ended_at.is_(None),
        )
        .join(School, School.id == Referral.school_id)
        .outerjoin(last, last.c.referral_id == Referral.id)
        .where(Referral.status.in_(OPEN_CASE_STATUSES))
        .options(
            joinedload(Referral.child),
            joinedload(Referral.school),
            joinedload(Allocation.practitioner),
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        )
    )
    if team_id is not None:
        stmt = stmt.where(School.team_id == team_id)
    if practitioner_id is not None:
        stmt = stmt.where(Allocation.practitioner_id == practitioner_id)
    rows = db.session.execute(stmt).unique().all()
    cases = [
        OpenCase(referral, allocation, last_on, today) for referral, allocation, last_on in rows
    ]
    return sorted(
        cases,
        key=lambda c: (c.referral.child.family_name, c.referral.child.given_name, c.referral.id),
    )


def overdue_cases(team_id: int | None, *, weeks: int, today: date | None = None) -> list[OpenCase]:
    """The team's open cases not discussed in supervision for more than ``weeks`` weeks
    (counting from allocation when never discussed), longest first."""
    if team_id is None:
        return []
    cases = [case for case in open_cases(team_id=team_id, today=today) if case.overdue(weeks)]
    return sorted(cases, key=lambda c: (-c.days, c.referral.child.family_name, c.referral.id))
