"""The contacts report (1 query, over the daily counts) and the caseloads report (1
query, today's allocations)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select, union_all

from mhst.accounts.models import User
from mhst.extensions import db
from mhst.organisation.models import Team
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral
from mhst.reports.cells import Count, Rate, Score, Section
from mhst.reports.clauses import period, school_clause
from mhst.reports.fact_models import (
    CONTACT_COLUMNS,
    MODE_COLUMNS,
    STAGE_COLUMNS,
    WHO_COLUMNS,
    daily_count,
    monthly_count,
)
from mhst.reports.filters import ReportAccess, ReportFilters
from mhst.reports.sql import next_month, on_utc_dates, whole_months
from mhst.sessions.models import (
    CONTACT_OUTCOMES,
    NOT_CONTACTS,
    Attendance,
    CareContact,
    ContactMode,
    ContactStage,
    WhoAttended,
    contact_counts,
)

NO_TEAM = "No team"


def logged_contacts(filters: ReportFilters, access: ReportAccess):
    """The WHERE clause for logged 1:1 contacts (attendance recorded) on a UTC date in
    the report's dates, for referrals at the report's schools. Sessions cancelled because
    the case closed were never contacts: they are left out. The daily counts
    (``daily_count``) count exactly these; the report reads them."""
    return and_(
        CareContact.attendance.is_not(None),
        contact_counts(),  # a session entered in error is no contact
        CareContact.attendance.not_in(NOT_CONTACTS),  # nor one cancelled as the case closed
        on_utc_dates(CareContact.starts_at, filters.date_from, filters.date_to),
        CareContact.referral_id.in_(
            select(Referral.id).where(school_clause(Referral.school_id, filters, access))
        ),
    )


def daily_totals(filters: ReportFilters, access: ReportAccess, names) -> dict[str, int]:
    """The sums of the ``daily_count`` columns ``names`` over the report's days and
    schools (one query): whole months from ``monthly_count``, the days either side from
    ``daily_count``."""
    months = whole_months(filters.date_from, filters.date_to)
    days = daily_count.c.day.between(filters.date_from, filters.date_to)
    parts = []
    if months is not None:
        first, last = months
        end = next_month(last)  # the day after the last whole month
        days = or_(
            daily_count.c.day.between(filters.date_from, first - timedelta(days=1)),
            daily_count.c.day.between(end, filters.date_to),
        )
        parts.append(
            select(*(monthly_count.c[name] for name in names)).where(
                monthly_count.c.month.between(first, last),
                school_clause(monthly_count.c.school_id, filters, access),
            )
        )
    parts.append(
        select(*(daily_count.c[name] for name in names)).where(
            days, school_clause(daily_count.c.school_id, filters, access)
        )
    )
    both = union_all(*parts).subquery("counted")
    row = db.session.execute(
        select(*(func.coalesce(func.sum(both.c[name]), 0) for name in names))
    ).one()
    return {name: int(number) for name, number in zip(names, row, strict=True)}


def _by_member(totals: dict[str, int], columns: dict) -> dict:
    return {member: totals[name] for name, (_attribute, member) in columns.items()}


def _share_rows(members, counts: dict, total: int, label=lambda member: member.label):
    return tuple(
        (label(member), Count(counts.get(member, 0)), Rate(counts.get(member, 0), total))
        for member in members
    )


def _who_label(who: WhoAttended) -> str:
    if who is WhoAttended.PARENT_CARER:
        return f"{who.label} (proxy contact)"
    return who.label


def contact_sections(
    filters: ReportFilters, access: ReportAccess, today: date
) -> tuple[Section, ...]:
    columns = (CONTACT_COLUMNS, STAGE_COLUMNS, MODE_COLUMNS, WHO_COLUMNS)
    totals = daily_totals(filters, access, [name for group in columns for name in group])
    by_attendance, by_stage, by_mode, by_who = (_by_member(totals, group) for group in columns)
    logged = sum(by_attendance.values())
    came = by_attendance.get(Attendance.ATTENDED, 0)
    missed = by_attendance.get(Attendance.DID_NOT_ATTEND, 0)
    note = (
        f"1:1 contacts logged (their attendance recorded) with a start {period(filters)} "
        "(UTC date), for referrals at the schools the filters select. Planned sessions not "
        "yet logged are not counted."
    )
    columns = ("Number", "Share of logged contacts")
    return (
        Section(
            "Contacts by attendance",
            ("Attendance", *columns),
            _share_rows(CONTACT_OUTCOMES, by_attendance, logged),
            chart=True,
            parts_of_total=True,
            note=note,
        ),
        Section(
            "Did-not-attend rate",
            ("Contacts", "Did not attend"),
            (("Attended or did not attend", Rate(missed, came + missed)),),
            note=note
            + " The rate is the contacts the child did not attend out of those attended or "
            "not attended; cancelled sessions are left out.",
        ),
        Section(
            "Contacts by stage",
            ("Stage", *columns),
            _share_rows(ContactStage, by_stage, logged),
            parts_of_total=True,
            note=note,
        ),
        Section(
            "Contacts by mode",
            ("Mode", *columns),
            _share_rows(ContactMode, by_mode, logged),
            parts_of_total=True,
            note=note,
        ),
        Section(
            "Attended contacts by who attended",
            ("Who attended", "Number", "Share of attended contacts"),
            _share_rows(WhoAttended, by_who, came, _who_label),
            parts_of_total=True,
            note=note
            + " Only attended contacts record who came. A contact with the parent or carer "
            "only, for the child's care, is a proxy contact.",
        ),
    )


# --- caseloads -----------------------------------------------------------------------


def caseload_sections(
    filters: ReportFilters, access: ReportAccess, today: date
) -> tuple[Section, ...]:
    """Today's open cases per practitioner; for a commissioner, per team without names."""
    high_risk = func.coalesce(func.sum(case((Referral.high_risk, 1), else_=0)), 0)
    base = (
        select()
        .select_from(Allocation)
        .join(Referral, Referral.id == Allocation.referral_id)
        .join(User, User.id == Allocation.practitioner_id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(
            Allocation.ended_at.is_(None),
            Referral.status.in_(OPEN_CASE_STATUSES),
            school_clause(Referral.school_id, filters, access),
        )
    )
    note = (
        "Open cases today: referrals allocated or in treatment, each counted for the "
        "practitioner it is allocated to now, at the schools the area, team and school "
        "filters select. The dates do not apply: this is today's caseload. The team is the "
        "practitioner's team."
    )
    if access.always_suppressed:
        rows = db.session.execute(
            base.add_columns(
                Team.name, func.count(), func.count(func.distinct(Allocation.practitioner_id))
            )
            .group_by(Team.id, Team.name)
            .order_by(Team.name)
        ).all()
        return (
            Section(
                "Open cases per team",
                (
                    "Team",
                    "Open cases",
                    "Practitioners holding cases",
                    "Mean cases per practitioner",
                ),
                tuple(
                    (
                        name or NO_TEAM,
                        Count(cases),
                        Count(practitioners),
                        Score(Decimal(cases) / Decimal(practitioners), practitioners),
                    )
                    for name, cases, practitioners in rows
                ),
                chart=True,
                note=note + " Practitioners are not named here: the mean is the open cases divided "
                "by the practitioners holding at least one.",
            ),
        )
    rows = db.session.execute(
        base.add_columns(User.full_name, Team.name, func.count(), high_risk)
        .group_by(User.id, User.full_name, Team.name)
        .order_by(Team.name, User.full_name, User.id)
    ).all()
    return (
        Section(
            "Open cases per practitioner",
            ("Practitioner", "Open cases", "Of which high risk", "Team"),
            tuple(
                (name, Count(cases), Count(int(risky)), team or NO_TEAM)
                for name, team, cases, risky in rows
            ),
            chart=True,
            note=note + " High risk: the referral's risk screen was positive.",
        ),
    )
