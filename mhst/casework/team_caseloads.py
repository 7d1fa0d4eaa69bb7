"""A team's practitioners and their caseload sizes, for the senior clinician's team page
and allocation: one grouped COUNT for the whole team, never a query per practitioner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from mhst.accounts.models import User
from mhst.accounts.practitioners import PRACTITIONER_ROLES
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral, ReferralStatus
from mhst.schools.models import School
from mhst.security import scoping


def caseload_sizes(practitioner_ids: list[int]) -> dict[int, int]:
    """Open cases currently allocated to each practitioner: one grouped COUNT."""
    if not practitioner_ids:
        return {}
    rows = db.session.execute(
        select(Allocation.practitioner_id, func.count(Allocation.id))
        .join(Referral, Referral.id == Allocation.referral_id)
        .where(
            Allocation.practitioner_id.in_(practitioner_ids),
            Allocation.ended_at.is_(None),
            Referral.status.in_(OPEN_CASE_STATUSES),
        )
        .group_by(Allocation.practitioner_id)
    )
    sizes = dict.fromkeys(practitioner_ids, 0)
    sizes.update((practitioner_id, count) for practitioner_id, count in rows)
    return sizes


@dataclass(frozen=True)
class TeamMember:
    practitioner: User
    open_cases: int


def team_caseloads(team_id: int | None) -> list[TeamMember]:
    """Each practitioner of the team with the size of their caseload: the active ones,
    and anyone no longer active who still holds open cases (to be reallocated)."""
    if team_id is None:
        return []
    holding = (
        select(Allocation.practitioner_id)
        .join(Referral, Referral.id == Allocation.referral_id)
        .where(Allocation.ended_at.is_(None), Referral.status.in_(OPEN_CASE_STATUSES))
    )
    practitioners = list(
        db.session.scalars(
            select(User)
            .where(
                User.team_id == team_id,
                User.role.in_(PRACTITIONER_ROLES),
                or_(User.active.is_(True), User.id.in_(holding)),
            )
            .order_by(User.full_name, User.id)
        )
    )
    sizes = caseload_sizes([p.id for p in practitioners])
    return [TeamMember(p, sizes[p.id]) for p in practitioners]


def team_member(team_id: int | None, user_id: int) -> User | None:
    """A practitioner of the team (active or not), whose caseload a senior may look at."""
    if team_id is None:
        return None
    return db.session.scalars(
        select(User).where(
            User.id == user_id, User.team_id == team_id, User.role.in_(PRACTITIONER_ROLES)
        )
    ).one_or_none()


def waiting_count(viewer: User, team_id: int | None) -> int:
    """Referrals of the team accepted onto the waiting list, not yet allocated."""
    if team_id is None:
        return 0
    return db.session.scalar(
        select(func.count(Referral.id))
        .join(School, School.id == Referral.school_id)
        .where(
            scoping.scope(viewer, Referral),
            School.team_id == team_id,
            Referral.status == ReferralStatus.ACCEPTED,
        )
    )


def school_options(viewer: User, practitioner: User) -> list[School]:
    """The schools a caseload can be filtered by: those of the practitioner's team that
    the viewer may see."""
    if practitioner.team_id is None:
        return []
    return list(
        db.session.scalars(
            select(School)
            .where(School.team_id == practitioner.team_id, scoping.scope(viewer, School))
            .order_by(School.name)
        )
    )
