"""The lists of referrals staff work from (the triage queue, the waiting list), and the
audit of a list's reads.

Every list is limited by ``mhst.security.scoping`` to the referrals the user may see: a
school's lead only the referrals their school made (a self-referral or a GP's referral
of a pupil is confidential to the team), staff their team's schools, clinical leads the
service, administrators none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_many
from mhst.core import keyset
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.child_models import Child
from mhst.referrals.models import Referral, ReferralStatus
from mhst.referrals.operations import TRIAGE_STATUSES
from mhst.schools.models import School
from mhst.security import scoping

FOUR_WEEKS = 28
WAITING_PER_PAGE = 50


def audit_listed(user: User, referrals: list[Referral]) -> None:
    """A list of children is a read of each child's referral: ONE audit event for the
    page, naming every referral shown (``record_ids``)."""
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
NOT_RECORDED = date(9999, 12, 31)  # an acceptance date not recorded sorts last


def _waiting_keys(sort: str) -> list[keyset.Key]:
    """The waiting list's keyset order: longest waiting (earliest received) first
    unless another sort is asked for; the id breaks ties."""
    by_sort = {
        "days": [Referral.received_on],
        "school": [School.name, Referral.received_on],
        "name": [Child.family_name, Child.given_name],
        "accepted": [func.coalesce(Referral.accepted_on, NOT_RECORDED)],
    }
    return [keyset.Key(e) for e in by_sort.get(sort, by_sort["days"])] + [keyset.Key(Referral.id)]


def _waiting(user: User, team_id: int | None, area_id: int | None, *, shown: bool = True):
    """The waiting referrals; ``shown``: joined to the school and child the list shows
    (a count joins the school only to filter by team or area)."""
    stmt = select(Referral).where(
        scoping.scope(user, Referral), Referral.status == ReferralStatus.ACCEPTED
    )
    if shown or team_id is not None or area_id is not None:
        stmt = stmt.join(School, School.id == Referral.school_id)
    if shown:
        stmt = stmt.join(Child, Child.id == Referral.child_id)
    if team_id is not None:
        stmt = stmt.where(School.team_id == team_id)
    if area_id is not None:
        stmt = stmt.where(School.area_id == area_id)
    return stmt


def waiting_list(
    user: User,
    args: Mapping[str, str],
    *,
    team_id: int | None = None,
    area_id: int | None = None,
    sort: str = "days",
    today: date | None = None,
) -> tuple[keyset.KeysetPage, list[WaitingEntry]]:
    """A page of the accepted referrals waiting for allocation (of one team or area, if
    given), with days waiting since referral; ``args`` choose the page."""
    today = today or service_today()
    page = keyset.paginate(
        _waiting(user, team_id, area_id),
        _waiting_keys(sort),
        args,
        per_page=WAITING_PER_PAGE,
        options=[
            contains_eager(Referral.child),
            contains_eager(Referral.school).joinedload(School.team),
            # The list shows neither: not loaded (a query each) unless a page asks.
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        ],
    )
    return page, [WaitingEntry(r, (today - r.received_on).days) for r in page.items]


def waiting_counts(
    user: User, *, team_id: int | None = None, area_id: int | None = None, today=None
) -> tuple[int, int]:
    """(how many wait, how many of them past 4 weeks): one count over the accepted
    referrals (ix_referral_status_received_on), never the whole table."""
    cutoff = (today or service_today()) - timedelta(days=FOUR_WEEKS)
    stmt = _waiting(user, team_id, area_id, shown=False).with_only_columns(
        func.count(), func.count().filter(Referral.received_on <= cutoff)
    )
    waiting, over = db.session.execute(stmt).one()
    return waiting, over
