"""Caseloads: a practitioner's open cases with what they need to plan the week, and the
size of each practitioner's caseload in a team.

The caseload is ONE query whatever its size: the last attended contact, the next planned
session, the last supervision discussion and the last outcome measure (with the sessions
attended since) of every case come from grouped subqueries joined to the cases, never
from a query per row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, has_app_context
from sqlalchemy import Date, and_, func, select
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, joinedload, lazyload
from sqlalchemy.sql.functions import FunctionElement

from mhst.accounts.models import User
from mhst.core.formatting import format_date
from mhst.core.time import SERVICE_TIME_ZONE, service_today, utcnow
from mhst.extensions import db
from mhst.outcomes.models import MeasureRecord
from mhst.referrals import risk_flags
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import OPEN_CASE_STATUSES, Referral
from mhst.security import scoping
from mhst.sessions.models import Attendance, CareContact, contact_counts
from mhst.supervision.models import SupervisionCase, SupervisionRecord

DEFAULT_SUPERVISION_INTERVAL_WEEKS = 4
DEFAULT_MEASURE_REVIEW_SESSIONS = 3

CASELOAD_SORTS = {
    "referral": "Days since referral (longest first)",
    "contact": "Days since last contact (longest first)",
    "next": "Next session (soonest first)",
    "name": "Child's name",
}
CASELOAD_FLAGS = {
    "risk": "Risk screen positive",
    "risk_review": "Risk raised, waiting for a senior review",
    "supervision": "Not discussed in supervision recently",
    "measures": "Measures due",
}


def supervision_interval_weeks() -> int:
    """How many weeks an open case may go without a supervision discussion."""
    if has_app_context():
        return int(
            current_app.config.get("SUPERVISION_INTERVAL_WEEKS", DEFAULT_SUPERVISION_INTERVAL_WEEKS)
        )
    return DEFAULT_SUPERVISION_INTERVAL_WEEKS


def measure_review_sessions() -> int:
    """After how many attended sessions without a measure a review measure is due."""
    if has_app_context():
        return int(
            current_app.config.get("MEASURE_REVIEW_SESSIONS", DEFAULT_MEASURE_REVIEW_SESSIONS)
        )
    return DEFAULT_MEASURE_REVIEW_SESSIONS


def local_date(moment: datetime) -> date:
    return moment.astimezone(SERVICE_TIME_ZONE).date()


class service_date(FunctionElement):
    """SQL: the date in the service's time zone (UK time) of a UTC timestamp column, so a
    session at 00:30 on a summer night counts on its UK date, as ``local_date`` does."""

    type = Date()
    name = "service_date"
    inherit_cache = True


@compiles(service_date)
def _service_date_other(element, compiler, **kw):
    raise CompileError("service_date is written for PostgreSQL and SQLite only")


@compiles(service_date, "postgresql")
def _service_date_postgresql(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"CAST(timezone('{SERVICE_TIME_ZONE.key}', {column}) AS DATE)"


@compiles(service_date, "sqlite")
def _service_date_sqlite(element, compiler, **kw):
    """SQLite has no time zones: UK summer time (UTC+1) runs from 01:00 UTC on the last
    Sunday of March to 01:00 UTC on the last Sunday of October (the 25th, moved on to a
    Sunday). SQLite keeps UTC timestamps as ``YYYY-MM-DD HH:MM:SS``, which sort as text."""
    if SERVICE_TIME_ZONE.key != "Europe/London":
        raise CompileError("The SQLite service_date knows UK summer time only")
    c = compiler.process(element.clauses, **kw)
    year = f"strftime('%Y', {c})"
    starts = f"(date({year} || '-03-25', 'weekday 0') || ' 01:00:00')"
    ends = f"(date({year} || '-10-25', 'weekday 0') || ' 01:00:00')"
    return (
        f"date({c}, CASE WHEN {c} >= {starts} AND {c} < {ends} THEN '+1 hours' ELSE '+0 hours' END)"
    )


class MeasuresDue(enum.StrEnum):
    BASELINE = "baseline"
    REVIEW = "review"
    NOT_DUE = "not_due"


def next_measure(last_measure_on: date | None, sessions_since: int, review_sessions: int):
    """Which outcome measure a case needs next.

    * no measure recorded yet: a **baseline** is due;
    * at least ``review_sessions`` (``MEASURE_REVIEW_SESSIONS``, 3 by default) attended
      sessions on a date after the latest measure's date: a **review** is due. A session
      on the same day as the measure does not count (the measure was taken at it);
    * otherwise **not due**.
    """
    if last_measure_on is None:
        return MeasuresDue.BASELINE
    if sessions_since >= review_sessions:
        return MeasuresDue.REVIEW
    return MeasuresDue.NOT_DUE


@dataclass(frozen=True)
class CaseloadEntry:
    """One open case on a caseload, with everything the row shows already loaded."""

    referral: Referral
    allocated_at: datetime
    last_contact_at: datetime | None
    next_session: CareContact | None
    last_discussed_on: date | None
    today: date
    interval_weeks: int
    # The date of the latest outcome measure, and the sessions attended on later dates.
    last_measure_on: date | None = None
    sessions_since_measure: int = 0
    review_sessions: int = DEFAULT_MEASURE_REVIEW_SESSIONS
    # Risk flags raised on the case (a session, a measure) not yet reviewed by a senior.
    open_risk_flags: int = 0

    @property
    def measures(self) -> MeasuresDue:
        return next_measure(self.last_measure_on, self.sessions_since_measure, self.review_sessions)

    @property
    def measures_due(self) -> bool:
        """A baseline or a review measure is due."""
        return self.measures is not MeasuresDue.NOT_DUE

    @property
    def measures_text(self) -> str:
        if self.measures is MeasuresDue.BASELINE:
            return "Baseline due"
        if self.measures is MeasuresDue.REVIEW:
            count = self.sessions_since_measure
            sessions = "session" if count == 1 else "sessions"
            return f"Review due ({count} {sessions} since the last measure)"
        return f"Not due. Last recorded {format_date(self.last_measure_on)}"

    @property
    def days_since_referral(self) -> int:
        return (self.today - self.referral.received_on).days

    @property
    def days_since_last_contact(self) -> int | None:
        if self.last_contact_at is None:
            return None
        return (self.today - local_date(self.last_contact_at)).days

    @property
    def risk_flag(self) -> bool:
        """The referral's risk screen was positive."""
        return self.referral.high_risk

    @property
    def supervision_since(self) -> date:
        """The date the supervision clock runs from: the last discussion, or allocation."""
        return self.last_discussed_on or local_date(self.allocated_at)

    @property
    def weeks_without_supervision(self) -> int:
        return max((self.today - self.supervision_since).days, 0) // 7

    @property
    def supervision_overdue(self) -> bool:
        return (self.today - self.supervision_since).days > self.interval_weeks * 7


def _current_allocations_of(practitioner: User):
    return (
        select(Allocation.referral_id)
        .where(Allocation.practitioner_id == practitioner.id, Allocation.ended_at.is_(None))
        .correlate(None)
    )


def caseload(
    viewer: User,
    practitioner: User,
    *,
    school_id: int | None = None,
    flag: str | None = None,
    sort: str = "referral",
    now: datetime | None = None,
) -> list[CaseloadEntry]:
    """``practitioner``'s open cases (allocated or in treatment), as ``viewer`` may see
    them, filtered by school or flag and sorted; one query whatever the caseload size."""
    now = now or utcnow()
    today = service_today(now)
    theirs = _current_allocations_of(practitioner)
    last_contact = (
        select(CareContact.referral_id, func.max(CareContact.starts_at).label("last_at"))
        .where(
            CareContact.attendance == Attendance.ATTENDED,
            CareContact.referral_id.in_(theirs),
            contact_counts(),
        )
        .group_by(CareContact.referral_id)
        .subquery("last_contact")
    )
    planned = (
        select(
            CareContact.id.label("contact_id"),
            CareContact.referral_id.label("referral_id"),
            func.row_number()
            .over(
                partition_by=CareContact.referral_id,
                order_by=(CareContact.starts_at, CareContact.id),
            )
            .label("position"),
        )
        .where(
            CareContact.attendance.is_(None),
            CareContact.starts_at >= now,
            CareContact.referral_id.in_(theirs),
            contact_counts(),
        )
        .subquery("planned")
    )
    next_contact = aliased(CareContact, name="next_contact")
    last_supervision = (
        select(SupervisionCase.referral_id, func.max(SupervisionRecord.held_on).label("last_on"))
        .join(SupervisionRecord, SupervisionRecord.id == SupervisionCase.record_id)
        .where(SupervisionCase.referral_id.in_(theirs))
        .group_by(SupervisionCase.referral_id)
        .subquery("last_supervision")
    )
    open_flags = risk_flags.open_flag_counts()
    last_measure = (
        select(MeasureRecord.referral_id, func.max(MeasureRecord.completed_on).label("last_on"))
        .where(MeasureRecord.referral_id.in_(theirs))
        .group_by(MeasureRecord.referral_id)
        .subquery("last_measure")
    )
    since_measure = (
        select(CareContact.referral_id, func.count(CareContact.id).label("sessions"))
        .join(last_measure, last_measure.c.referral_id == CareContact.referral_id)
        .where(
            CareContact.attendance == Attendance.ATTENDED,
            service_date(CareContact.starts_at) > last_measure.c.last_on,
            contact_counts(),
        )
        .group_by(CareContact.referral_id)
        .subquery("since_measure")
    )
    stmt = (
        select(
            Referral,
            Allocation.allocated_at,
            last_contact.c.last_at,
            next_contact,
            last_supervision.c.last_on,
            last_measure.c.last_on,
            since_measure.c.sessions,
            open_flags.c.open_flags,
        )
        .join(
            Allocation,
            and_(Allocation.referral_id == Referral.id, Allocation.ended_at.is_(None)),
        )
        .outerjoin(last_contact, last_contact.c.referral_id == Referral.id)
        .outerjoin(planned, and_(planned.c.referral_id == Referral.id, planned.c.position == 1))
        .outerjoin(next_contact, next_contact.id == planned.c.contact_id)
        .outerjoin(last_supervision, last_supervision.c.referral_id == Referral.id)
        .outerjoin(last_measure, last_measure.c.referral_id == Referral.id)
        .outerjoin(since_measure, since_measure.c.referral_id == Referral.id)
        .outerjoin(open_flags, open_flags.c.referral_id == Referral.id)
        .where(
            Allocation.practitioner_id == practitioner.id,
            Referral.status.in_(OPEN_CASE_STATUSES),
            scoping.scope(viewer, Referral, scoping.Kind.CASE),
        )
        .options(
            joinedload(Referral.child),
            joinedload(Referral.school),
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        )
    )
    if school_id is not None:
        stmt = stmt.where(Referral.school_id == school_id)
    if flag == "risk":
        stmt = stmt.where(Referral.high_risk.is_(True))
    if flag == "risk_review":
        stmt = stmt.where(open_flags.c.open_flags > 0)
    interval = supervision_interval_weeks()
    review_sessions = measure_review_sessions()
    entries = [
        CaseloadEntry(
            referral=referral,
            allocated_at=allocated_at,
            last_contact_at=last_at,
            next_session=next_session,
            last_discussed_on=last_on,
            today=today,
            interval_weeks=interval,
            last_measure_on=measured_on,
            sessions_since_measure=sessions or 0,
            review_sessions=review_sessions,
            open_risk_flags=flags or 0,
        )
        for (
            referral,
            allocated_at,
            last_at,
            next_session,
            last_on,
            measured_on,
            sessions,
            flags,
        ) in db.session.execute(stmt)
    ]
    if flag == "supervision":
        entries = [entry for entry in entries if entry.supervision_overdue]
    if flag == "measures":
        entries = [entry for entry in entries if entry.measures_due]
    return sorted(entries, key=SORT_KEYS.get(sort, SORT_KEYS["referral"]))


def _name(entry: CaseloadEntry):
    child = entry.referral.child
    return (child.family_name.lower(), child.given_name.lower(), entry.referral.id)


SORT_KEYS = {
    "referral": lambda e: (-e.days_since_referral, e.referral.id),
    # Never seen first (the longest since referral first), then the longest since contact.
    "contact": lambda e: (
        e.days_since_last_contact is not None,
        -(e.days_since_last_contact or e.days_since_referral),
        e.referral.id,
    ),
    # The soonest session first; then cases with nothing booked, allocated longest ago first.
    "next": lambda e: (
        e.next_session is None,
        e.next_session.starts_at if e.next_session else e.allocated_at,
        e.referral.id,
    ),
    "name": _name,
}
