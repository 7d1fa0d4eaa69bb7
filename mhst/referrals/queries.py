"""The lists of referrals staff work from (the triage queue, the waiting list), and the
audit of a list's reads.

Every list is limited by ``mhst.security.scoping`` to the referrals the user may see: a
school's lead only the referrals their school made (a self-referral or a GP's referral
of a pupil is confidential to the team), staff their team's schools, clinical leads the
service, administrators none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, select, true
from sqlalchemy.orm import joinedload, selectinload

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_many
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import Referral, ReferralStatus
from mhst.referrals.operations import TRIAGE_STATUSES
from mhst.schools.models import School
from mhst.security import scoping

FOUR_WEEKS = 28


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
        select(Referral).where(scoping.scope(user, Referral), Referral.status.in_(TRIAGE_STATUSES))
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
        select(Referral).where(
            scoping.scope(user, Referral), Referral.status == ReferralStatus.ACCEPTED
        )
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
