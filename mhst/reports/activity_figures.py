"""The activity report by the service's three functions (5 queries): direct support
(groups and 1:1 contacts), the whole-school approach, and advice, consultation and
signposting. 1:1 contacts and whole-school activity come from the daily counts; groups
and signposting (small tables) from their own rows."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select, text

from mhst.core.formatting import format_date
from mhst.extensions import db
from mhst.referrals.models import (
    SIGNPOSTING_EVENTS,
    Referral,
    ReferralEvent,
    ReferralSignpost,
    ReferralStatus,
)
from mhst.reports.cells import Count, Section
from mhst.reports.clauses import group_clause, period, school_clause
from mhst.reports.contact_figures import daily_totals
from mhst.reports.fact_models import ACTIVITY_ATTENDANCE_COLUMNS, ACTIVITY_COLUMNS
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.reports.sql import on_utc_dates
from mhst.sessions.group_access import ACCESS_MINIMUM_CHILDREN, ACCESS_MINIMUM_SESSIONS
from mhst.sessions.group_models import (
    GroupAttendance,
    GroupAudience,
    GroupKind,
    GroupParticipant,
    GroupProgramme,
    GroupSession,
    group_session_counts,
)
from mhst.sessions.models import Attendance
from mhst.wholeschool.models import ActivityKind

ATTENDED = f"contacts_{Attendance.ATTENDED.value}"

SIGNPOSTING = (
    (ReferralStatus.SIGNPOSTED, "Signposted at triage"),
    (ReferralStatus.STEPPED_UP, "Stepped up at triage"),
    (ReferralStatus.DISCHARGED, "Onward services at discharge"),
)


def _sum(expression):
    return func.coalesce(func.sum(expression), 0)


def _access_tallies(date_to: date):
    """Per group, its attendance up to ``date_to`` as ``counts_towards_access`` counts it:
    sessions someone attended, different children who came (a parent counts for their
    child), and sessions with a head count of at least 2 (universal groups)."""
    until = and_(GroupSession.held_on <= date_to, group_session_counts())
    attended = (
        select(
            GroupSession.group_id,
            func.count(func.distinct(GroupSession.id)).label("sessions"),
            func.count(func.distinct(GroupParticipant.referral_id)).label("children"),
        )
        .join(GroupAttendance, GroupAttendance.session_id == GroupSession.id)
        .join(GroupParticipant, GroupParticipant.id == GroupAttendance.participant_id)
        .where(until, GroupAttendance.attended.is_(True))
        .group_by(GroupSession.group_id)
        .subquery("attended")
    )
    big_enough = (
        select(GroupSession.group_id, func.count().label("sessions"))
        .where(until, GroupSession.head_count >= ACCESS_MINIMUM_CHILDREN)
        .group_by(GroupSession.group_id)
        .subquery("big_enough")
    )
    return attended, big_enough


def _group_rows(filters: ReportFilters, access: ReportAccess):
    """Per kind of group: groups that met, sessions held, head counts by audience, and
    groups counting towards access. One query."""
    in_range = and_(
        GroupSession.held_on.between(filters.date_from, filters.date_to), group_session_counts()
    )
    met = (
        select(
            GroupSession.group_id,
            func.count().label("sessions"),
            _sum(GroupSession.head_count).label("head_count"),
        )
        .where(in_range)
        .group_by(GroupSession.group_id)
        .subquery("met")
    )
    attended, big_enough = _access_tallies(filters.date_to)
    targeted_counts = and_(
        GroupProgramme.kind == GroupKind.TARGETED,
        func.coalesce(attended.c.children, 0) >= ACCESS_MINIMUM_CHILDREN,
        func.coalesce(attended.c.sessions, 0) >= ACCESS_MINIMUM_SESSIONS,
    )
    universal_counts = and_(
        GroupProgramme.kind == GroupKind.UNIVERSAL,
        func.coalesce(big_enough.c.sessions, 0) >= ACCESS_MINIMUM_SESSIONS,
    )
    for_children = GroupProgramme.audience == GroupAudience.CHILDREN
    rows = db.session.execute(
        select(
            GroupProgramme.kind,
            func.count(),
            _sum(met.c.sessions),
            _sum(case((for_children, met.c.head_count), else_=0)),
            _sum(case((for_children, 0), else_=met.c.head_count)),
            _sum(case((targeted_counts, 1), (universal_counts, 1), else_=0)),
        )
        .join(met, met.c.group_id == GroupProgramme.id)
        .outerjoin(attended, attended.c.group_id == GroupProgramme.id)
        .outerjoin(big_enough, big_enough.c.group_id == GroupProgramme.id)
        .where(group_clause(filters, access))
        .group_by(GroupProgramme.kind)
    ).all()
    return {row[0]: [int(value) for value in row[1:]] for row in rows}


def _attendees(filters: ReportFilters, access: ReportAccess) -> dict[bool, int]:
    """Different children (False) and parents or carers (True) who came to a targeted
    group session in range; each child, or child's parent, counted once. One query."""
    return {
        as_parent: int(number)
        for as_parent, number in db.session.execute(
            select(
                GroupParticipant.as_parent, func.count(func.distinct(GroupParticipant.referral_id))
            )
            .join(GroupAttendance, GroupAttendance.participant_id == GroupParticipant.id)
            .join(GroupSession, GroupSession.id == GroupAttendance.session_id)
            .join(GroupProgramme, GroupProgramme.id == GroupSession.group_id)
            .where(
                GroupProgramme.kind == GroupKind.TARGETED,
                GroupAttendance.attended.is_(True),
                GroupSession.held_on.between(filters.date_from, filters.date_to),
                group_session_counts(),
                group_clause(filters, access),
            )
            .group_by(GroupParticipant.as_parent)
        )
    }


def _direct_support(filters: ReportFilters, access: ReportAccess) -> Section:
    groups = _group_rows(filters, access)
    people = _attendees(filters, access)
    one_to_one = daily_totals(filters, access, [ATTENDED])[ATTENDED]
    targeted = groups.get(GroupKind.TARGETED, [0, 0, 0, 0, 0])
    universal = groups.get(GroupKind.UNIVERSAL, [0, 0, 0, 0, 0])
    rows = (
        ("Targeted groups that met", Count(targeted[0])),
        ("Targeted group sessions held", Count(targeted[1])),
        ("Children and young people attending targeted groups", Count(people.get(False, 0))),
        ("Parents or carers attending targeted groups", Count(people.get(True, 0))),
        ("Universal groups that met", Count(universal[0])),
        ("Universal group sessions held", Count(universal[1])),
        ("Universal groups for children: total head count", Count(universal[2])),
        ("Universal groups for parents: total head count", Count(universal[3])),
        ("Groups counting towards access", Count(targeted[4] + universal[4])),
        ("1:1 contacts attended", Count(int(one_to_one))),
    )
    return Section(
        "Direct support",
        ("Activity", "Number"),
        rows,
        note=(
            f"Groups with at least one session {period(filters)}, by the group's team and "
            "school (a virtual group by its team only, and an area by the team's area). "
            "Attending: each child, or each child's parent or carer, counted once however "
            "many sessions or groups they came to. Universal groups record a head count "
            "per session, so their total counts attendances, not different people. A group "
            f"counts towards access by the service's rule (at least {ACCESS_MINIMUM_CHILDREN} "
            f"children or young people over at least {ACCESS_MINIMUM_SESSIONS} sessions; for "
            f"a universal group, {ACCESS_MINIMUM_SESSIONS} sessions with a head count of "
            f"{ACCESS_MINIMUM_CHILDREN} or more), counting its sessions up to "
            f"{format_date(filters.date_to)}. 1:1 contacts: attended contacts on a UTC date "
            "in range, for referrals at the schools the filters select."
        ),
    )


def _whole_school(filters: ReportFilters, access: ReportAccess) -> Section:
    totals = daily_totals(filters, access, [*ACTIVITY_COLUMNS, *ACTIVITY_ATTENDANCE_COLUMNS])
    found = {
        kind: (totals[f"activities_{kind.value}"], totals[f"attendance_{kind.value}"])
        for kind in ActivityKind
    }
    return Section(
        "Whole-school approach",
        ("Kind of activity", "Activities", "Total attendance"),
        tuple(
            (kind.label, Count(found.get(kind, (0, 0))[0]), Count(found.get(kind, (0, 0))[1]))
            for kind in ActivityKind
        ),
        note=(
            f"Whole-school activities held {period(filters)} at the schools the filters "
            "select. Total attendance adds up the attendance recorded (activities without "
            "one add nothing)."
        ),
    )


def _signposting(filters: ReportFilters, access: ReportAccess) -> Section:
    found = {
        status: (int(referrals), int(services))
        for status, referrals, services in db.session.execute(
            select(
                ReferralEvent.to_status,
                func.count(func.distinct(ReferralSignpost.referral_id)),
                func.count(ReferralSignpost.id),
            )
            .join(ReferralEvent, ReferralEvent.id == ReferralSignpost.event_id)
            .join(Referral, Referral.id == ReferralSignpost.referral_id)
            .where(
                # The decisions counted below, stated as the partial index states them.
                text(f"referral_event.{SIGNPOSTING_EVENTS}"),
                on_utc_dates(ReferralEvent.occurred_at, filters.date_from, filters.date_to),
                school_clause(Referral.school_id, filters, access),
            )
            .group_by(ReferralEvent.to_status)
        )
    }
    return Section(
        "Advice, consultation and signposting",
        ("Signposting", "Referrals", "Services signposted to"),
        tuple(
            (label, Count(found.get(status, (0, 0))[0]), Count(found.get(status, (0, 0))[1]))
            for status, label in SIGNPOSTING
        ),
        note=(
            f"Referrals signposted or stepped up to services at triage, or given onward "
            f"services at discharge, {period(filters)} (the UTC date of that decision), at "
            "the schools the filters select. Services counts each service named for each "
            "referral."
        ),
    )


def activity_sections(
    filters: ReportFilters, access: ReportAccess, today: date
) -> tuple[Section, ...]:
    return (
        _direct_support(filters, access),
        _whole_school(filters, access),
        _signposting(filters, access),
    )
