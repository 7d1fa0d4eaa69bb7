"""What a diary shows: a practitioner's 1:1 sessions, the group sessions they facilitate
and the whole-school activities at their team's schools, day by day, in UK time.

Each list is ONE query whatever its length (the child, school and practitioner of each
session are joined, never loaded a row at a time); the pages audit the children they
name in one INSERT (:func:`audit_named`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, false, select
from sqlalchemy.orm import joinedload

from mhst.accounts.models import User
from mhst.audit.models import AuditAction, AuditRecordType
from mhst.audit.operations import record_many
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extensions import db
from mhst.referrals.allocations import Allocation
from mhst.referrals.child_models import Child
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral
from mhst.schools.models import School
from mhst.security import scoping
from mhst.sessions.group_models import (
    GroupProgramme,
    GroupSession,
    group_facilitator,
    group_session_counts,
)
from mhst.sessions.models import Attendance, CareContact, ContactMode, contact_counts
from mhst.wholeschool.models import WholeSchoolActivity

# A booked session that will not happen: the family or the service called it off, or
# the case closed. Shown struck through in a diary, CANCELLED in a feed, not a visit.
CANCELLED = frozenset(
    {Attendance.CANCELLED_BY_FAMILY, Attendance.CANCELLED_BY_SERVICE, Attendance.CASE_CLOSED}
)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def utc_bounds(first: date, after: date) -> tuple[datetime, datetime]:
    """The moments UK midnight starts ``first`` and ``after`` (the day after the last),
    for comparing with UTC timestamps (a UK day is 23 or 25 hours at the clock changes)."""
    return (
        datetime.combine(first, time(), tzinfo=SERVICE_TIME_ZONE),
        datetime.combine(after, time(), tzinfo=SERVICE_TIME_ZONE),
    )


def uk_day(moment: datetime) -> date:
    return moment.astimezone(SERVICE_TIME_ZONE).date()


def cancelled(contact: CareContact) -> bool:
    return contact.attendance in CANCELLED


def place_of(contact: CareContact) -> str:
    """Where a session is held: its school and the room typed, or how it is held."""
    if contact.mode.remote:
        return contact.mode.label
    location = (contact.location or "").strip()
    if contact.mode is ContactMode.FACE_TO_FACE_SCHOOL:
        school = contact.referral.school.name
        return f"{school}, {location}" if location and location != school else school
    return location or contact.mode.label


def initials(given_name: str, family_name: str) -> str:
    """ "A.B.": the first letter of each name, never the name."""
    return "".join(f"{name.strip()[:1].upper()}." for name in (given_name, family_name) if name)


@dataclass(frozen=True)
class SessionRow:
    """A 1:1 session in a diary; ``named`` when the viewer may see the child's name (the
    case is in their case scope), else only initials and the child's reference."""

    contact: CareContact
    named: bool
    group = False  # a diary's timed rows mix these with group sessions

    @property
    def cancelled(self) -> bool:
        return cancelled(self.contact)

    @property
    def ends_at(self) -> datetime:
        return self.contact.starts_at + timedelta(minutes=self.contact.duration_minutes)

    @property
    def initials(self) -> str:
        child = self.contact.referral.child
        return initials(child.given_name, child.family_name)

    @property
    def place(self) -> str:
        return place_of(self.contact)


def group_place(session: GroupSession) -> str:
    """Where a group session is held: "Online", or its school and the room kept."""
    group = session.group
    if group.is_virtual or group.school is None:
        return "Online"
    return f"{group.school.name}, {session.room.name}" if session.room else group.school.name


@dataclass
class Day:
    """A day of a diary: ``sessions`` (1:1) and ``groups`` as found; ``timed`` puts the
    1:1 sessions and the group sessions recorded with a time in order of their start,
    and ``untimed_groups`` are those recorded with their date only."""

    day: date
    sessions: list[SessionRow] = field(default_factory=list)
    groups: list[GroupSession] = field(default_factory=list)
    activities: list[WholeSchoolActivity] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.sessions or self.groups or self.activities)

    @property
    def timed(self) -> list:
        """Each a ``SessionRow`` (``row.group`` is False) or a timed ``GroupSession``
        (``group`` is its programme), by start time."""
        rows = [*self.sessions, *(g for g in self.groups if g.timed)]
        return sorted(rows, key=lambda row: _start(row))

    @property
    def untimed_groups(self) -> list[GroupSession]:
        return [session for session in self.groups if not session.timed]


def _start(row) -> datetime:
    return row.contact.starts_at if isinstance(row, SessionRow) else row.starts_at


def _contacts(where, first: date, after: date, *, in_scope=None) -> list[tuple]:
    """Sessions (not entered in error) starting on ``first`` up to ``after``, matching
    ``where``, with their case, child, school and practitioner: one query."""
    start, end = utc_bounds(first, after)
    named = (in_scope if in_scope is not None else false()).label("named")
    return db.session.execute(
        select(CareContact, named)
        .join(CareContact.referral)
        .where(where, contact_counts(), CareContact.starts_at >= start, CareContact.starts_at < end)
        .options(
            joinedload(CareContact.referral).joinedload(Referral.child),
            joinedload(CareContact.referral).joinedload(Referral.school),
            joinedload(CareContact.practitioner),
        )
        .order_by(CareContact.starts_at, CareContact.id)
    ).all()


def _group_sessions(where, first: date, after: date) -> list[GroupSession]:
    return list(
        db.session.scalars(
            select(GroupSession)
            .join(GroupSession.group)
            .where(
                where,
                group_session_counts(),
                GroupSession.held_on >= first,
                GroupSession.held_on < after,
            )
            .options(
                joinedload(GroupSession.room),
                joinedload(GroupSession.group).joinedload(GroupProgramme.school),
                joinedload(GroupSession.group).selectinload(GroupProgramme.facilitators),
            )
            .order_by(GroupSession.held_on, GroupSession.starts_at, GroupSession.id)
        ).unique()
    )


def _activities(where, first: date, after: date) -> list[WholeSchoolActivity]:
    return list(
        db.session.scalars(
            select(WholeSchoolActivity)
            .join(WholeSchoolActivity.school)
            .where(where, WholeSchoolActivity.held_on >= first, WholeSchoolActivity.held_on < after)
            .options(joinedload(WholeSchoolActivity.school))
            .order_by(WholeSchoolActivity.held_on, WholeSchoolActivity.id)
        )
    )


def _days(first: date, after: date, rows, groups, activities) -> list[Day]:
    days = {first + timedelta(days=n): None for n in range((after - first).days)}
    found = {day: Day(day) for day in days}
    for contact, named in rows:
        found[uk_day(contact.starts_at)].sessions.append(SessionRow(contact, bool(named)))
    for session in groups:
        found[session.held_on].groups.append(session)
    for activity in activities:
        found[activity.held_on].activities.append(activity)
    return list(found.values())


def practitioner_days(
    viewer: User, practitioner: User, first: date, after: date, *, with_activities: bool = True
) -> list[Day]:
    """``practitioner``'s diary from ``first`` up to ``after``, as ``viewer`` sees it: 1:1
    sessions (booked and logged; cancelled ones kept), the group sessions they
    facilitate, and the whole-school activities at their team's schools. Four queries."""
    rows = _contacts(
        CareContact.practitioner_id == practitioner.id,
        first,
        after,
        in_scope=scoping.scope(viewer, Referral, scoping.Kind.CASE),
    )
    facilitated = GroupProgramme.id.in_(
        select(group_facilitator.c.group_id).where(group_facilitator.c.user_id == practitioner.id)
    )
    groups = _group_sessions(facilitated, first, after)
    activities = (
        _activities(School.team_id == practitioner.team_id, first, after)
        if with_activities and practitioner.team_id is not None
        else []
    )
    return _days(first, after, rows, groups, activities)


def team_days(team_id: int, first: date, after: date) -> list[Day]:
    """A team's week: every session of its practitioners (``named`` is never set: the
    team view shows initials and the child's reference only), its groups' sessions and
    the activities at its schools."""
    rows = _contacts(
        CareContact.practitioner_id.in_(select(User.id).where(User.team_id == team_id)),
        first,
        after,
    )
    groups = _group_sessions(GroupProgramme.team_id == team_id, first, after)
    activities = _activities(School.team_id == team_id, first, after)
    return _days(first, after, rows, groups, activities)


def school_days(school_id: int, first: date, after: date) -> list[Day]:
    """The team's visits to a school: 1:1 sessions face to face in school with its pupils
    (not those called off), group sessions held there and its whole-school activities.
    The page shows no child and nothing clinical."""
    visits = and_(
        Referral.school_id == school_id,
        CareContact.mode == ContactMode.FACE_TO_FACE_SCHOOL,
        ~CareContact.attendance.in_(CANCELLED) | CareContact.attendance.is_(None),
    )
    rows = _contacts(visits, first, after)
    held_there = and_(GroupProgramme.school_id == school_id, ~GroupProgramme.is_virtual)
    groups = _group_sessions(held_there, first, after)
    activities = _activities(WholeSchoolActivity.school_id == school_id, first, after)
    return _days(first, after, rows, groups, activities)


def audit_named(user: User, days: list[Day]) -> None:
    """The children a diary page names or identifies: a read of each one's referral, in
    one INSERT for the page."""
    referral_ids = dict.fromkeys(row.contact.referral_id for day in days for row in day.sessions)
    record_many(
        AuditRecordType.REFERRAL, [(AuditAction.READ, rid) for rid in referral_ids], user=user
    )


def open_cases(user: User) -> list[Referral]:
    """The cases allocated to ``user`` now and open (to book a session on), by the
    child's name: one query."""
    return list(
        db.session.scalars(
            select(Referral)
            .join(Referral.child)
            .where(
                scoping.scope(user, Referral, scoping.Kind.CASE),
                Referral.status.in_(OPEN_CASE_STATUSES),
                Referral.id.in_(
                    select(Allocation.referral_id).where(
                        Allocation.practitioner_id == user.id, Allocation.ended_at.is_(None)
                    )
                ),
            )
            .options(joinedload(Referral.child))
            .order_by(Child.given_name, Child.family_name, Referral.id)
        )
    )
