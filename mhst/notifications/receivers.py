"""Who is told what: the receivers of ``mhst.core.signals`` that add notifications.

Each runs inside the sender's unit of work and adds rows (no commit). The text names the
record by its reference or a school's name, never a child; a recipient is told only about
a record in their scope when it is told (``mhst.security.scoping``), and never about
their own action.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select

from mhst.accounts.models import Role, User
from mhst.core import signals
from mhst.core.formatting import format_date, format_datetime
from mhst.core.time import SERVICE_TIME_ZONE
from mhst.extensions import db
from mhst.notifications.models import NotificationKind as K
from mhst.notifications.operations import notify
from mhst.referrals.allocations import current_allocation
from mhst.referrals.models import Referral
from mhst.schools.models import InterestRegistration, School
from mhst.security import scoping


def active_users(*where) -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True), *where)))


def senior_clinicians_of(team_id: int | None) -> list[User]:
    if team_id is None:
        return []
    return active_users(User.role == Role.SENIOR_CLINICIAN, User.team_id == team_id)


def leads_of(school_id: int) -> list[User]:
    return active_users(User.role == Role.SCHOOL_MENTAL_HEALTH_LEAD, User.school_id == school_id)


def in_scope(
    users: Iterable[User], referral: Referral, kind=None, *, actor: User | None = None
) -> list[User]:
    """Those of ``users`` who may see ``referral`` (as ``kind``) now, leaving out
    ``actor`` (never told of their own action) before asking: one query for them all."""
    people = [user for user in users if actor is None or user.id != actor.id]
    return scoping.who_may_see(people, Referral, referral.id, kind)


@signals.referral_received.connect
def _referral_received(referral: Referral, *, by: User, **_) -> None:
    text = f"New referral {referral.reference} from {referral.school.name}"
    if referral.high_risk:
        text += ": its risk screen is positive, review it today"
    seniors = in_scope(senior_clinicians_of(referral.school.team_id), referral, actor=by)
    notify(
        seniors,
        K.REFERRAL_RECEIVED,
        text,
        endpoint="referrals.show",
        record_id=referral.id,
        actor=by,
    )


@signals.referral_status_changed.connect
def _referral_status_changed(referral: Referral, *, to_status, by: User, **_) -> None:
    leads = in_scope(leads_of(referral.school_id), referral, actor=by)
    notify(
        leads,
        K.REFERRAL_STATUS_CHANGED,
        f"Referral {referral.reference} is now {to_status.label.lower()}",
        endpoint="referrals.show",
        record_id=referral.id,
        actor=by,
    )


@signals.case_allocated.connect
def _case_allocated(
    referral: Referral, *, practitioner: User, by: User, reallocated: bool = False, **_
) -> None:
    verb = "reallocated" if reallocated else "allocated"
    notify(
        in_scope([practitioner], referral, scoping.Kind.CASE, actor=by),
        K.CASE_ALLOCATED,
        f"Case {referral.reference} was {verb} to you by {by.full_name}",
        endpoint="referrals.show",
        record_id=referral.id,
        actor=by,
    )


@signals.case_risk_raised.connect
def _case_risk_raised(referral: Referral, *, flag, by: User, **_) -> None:
    allocation = current_allocation(referral)
    if allocation is None:
        return
    notify(
        in_scope([allocation.practitioner], referral, scoping.Kind.CASE, actor=by),
        K.CASE_RISK_RAISED,
        f"A risk was raised on your case {referral.reference}: {flag.source.label.lower()}",
        endpoint="referrals.show",
        record_id=referral.id,
        actor=by,
    )


def _when(moment: date | datetime | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return f" on {format_datetime(moment)}"
    return f" on {format_date(moment)}"


@signals.school_visit_booked.connect
def _school_visit_booked(
    school: School, *, by: User, what: str, when=None, weeks: int = 1, **_
) -> None:
    text = f"The team booked {what} at {school.name}{_when(when)}"
    if weeks > 1:  # a course: one notification, from its first date
        text = f"The team booked {what} at {school.name} for {weeks} weeks, the first{_when(when)}"
    # A dated visit links to the school's visits in its week; a group set up, to the school.
    notify(
        leads_of(school.id),
        K.VISIT_BOOKED,
        text,
        endpoint="diary.school_visits" if when is not None else "schools.show",
        record_id=school.id,
        link_date=_day_of(when),
        actor=by,
    )


def _day_of(moment: date | datetime | None) -> date | None:
    if isinstance(moment, datetime):
        return moment.astimezone(SERVICE_TIME_ZONE).date()
    return moment


@signals.interest_registered.connect
def _interest_registered(registration: InterestRegistration, **_) -> None:
    notify(
        active_users(User.role == Role.ADMINISTRATOR),
        K.INTEREST_REGISTERED,
        f"{registration.school_name} registered interest in joining the programme",
        endpoint="interest.review",
        record_id=registration.id,
    )
