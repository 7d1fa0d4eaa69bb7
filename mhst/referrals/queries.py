"""Which referrals a user may see, and the lists built from them.

Every lookup of a referral goes through :func:`referral_scope`: a school's lead sees
only the referrals their school made (a self-referral or a GP's referral of a pupil is
confidential to the team), staff their team's schools, clinical leads the service.
Administrators have no need to see children's records and see none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort
from sqlalchemy import ColumnElement, and_, case, false, select, true
from sqlalchemy.orm import joinedload, selectinload

from mhst.accounts.models import Role, User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record, record_many
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import Referral, ReferralSource, ReferralStatus
from mhst.referrals.operations import TRIAGE_STATUSES
from mhst.schools.models import School
from mhst.security.scoping import school_scope

FOUR_WEEKS = 28


def referral_scope(user: User) -> ColumnElement[bool]:
    """A WHERE clause limiting referrals to those ``user`` may see."""
    if user.role in (Role.ADMINISTRATOR, Role.COMMISSIONER):
        return false()
    clause = school_scope(user, Referral.school_id)
    if user.role is Role.SCHOOL_MENTAL_HEALTH_LEAD:
        return and_(clause, Referral.source == ReferralSource.SCHOOL)
    return clause


def get_referral_or_404(user: User, referral_id: int, *, audit: bool = True) -> Referral:
    """The referral, if ``user`` may see it, with its child and school; its reading is
    audit-logged (pass ``audit=False`` when the caller records its own write)."""
    referral = db.session.scalars(
        select(Referral)
        .where(Referral.id == referral_id, referral_scope(user))
        .options(joinedload(Referral.child), joinedload(Referral.school).joinedload(School.area))
    ).one_or_none()
    if referral is None:
        abort(404)
    if audit:
        record(AuditAction.READ, AuditRecordType.REFERRAL, referral.id, user=user)
    return referral


def audit_listed(user: User, referrals: list[Referral]) -> None:
    """A list of children is a read of each child's referral: one INSERT for the page."""
    record_many(AuditRecordType.REFERRAL, [(AuditAction.READ, r.id) for r in referrals], user=user)


def _with_child_and_school(stmt):
    return stmt.options(joinedload(Referral.child), joinedload(Referral.school))


def triage_queue(user: User) -> list[Referral]:
    """Open referrals before triage: an unreviewed positive risk screen first (same-day
    review), then ready for triage before awaiting consent, then oldest first."""
    unreviewed = and_(Referral.high_risk == true(), Referral.risk_reviewed_at.is_(None))
    stmt = _with_child_and_school(
        select(Referral).where(referral_scope(user), Referral.status.in_(TRIAGE_STATUSES))
    ).order_by(
        case((unreviewed, 0), else_=1),
        case((Referral.status == ReferralStatus.READY_FOR_TRIAGE, 0), else_=1),
        Referral.received_on,
        Referral.id,
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class WaitingEntry:
    referral: Referral
    days_waiting: int

    @property
    def past_four_weeks(self) -> bool:
        return self.days_waiting >= FOUR_WEEKS

    @property
    def four_week_date(self) -> date:
        return self.referral.received_on + timedelta(days=FOUR_WEEKS)


WAITING_SORTS = {
    "days": "Days waiting (longest first)",
    "school": "School",
    "name": "Child's name",
    "accepted": "Date accepted",
}


def waiting_list(
    user: User, *, team_id: int | None = None, sort: str = "days", today: date | None = None
) -> list[WaitingEntry]:
    """Accepted referrals waiting for allocation, with days waiting since referral."""
    today = today or service_today()
    stmt = _with_child_and_school(
        select(Referral).where(referral_scope(user), Referral.status == ReferralStatus.ACCEPTED)
    ).options(selectinload(Referral.need_links))
    if team_id is not None:
        stmt = stmt.join(School, School.id == Referral.school_id).where(School.team_id == team_id)
    entries = [WaitingEntry(r, (today - r.received_on).days) for r in db.session.scalars(stmt)]
    keys = {
        "days": lambda e: (-e.days_waiting, e.referral.id),
        "school": lambda e: (e.referral.school.name, -e.days_waiting),
        "name": lambda e: (e.referral.child.family_name, e.referral.child.given_name),
        "accepted": lambda e: (e.referral.accepted_on or today, e.referral.id),
    }
    return sorted(entries, key=keys.get(sort, keys["days"]))
