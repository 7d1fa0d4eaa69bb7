"""The demo's notifications: the months of history told everyone a great deal (each
referral, allocation and status change as it was loaded), all marked read and not to be
emailed; then a few unread ones for the demo users, so the header shows a count."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from mhst.accounts.models import User
from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.notifications.models import Notification
from mhst.notifications.models import NotificationKind as K
from mhst.referrals.allocations import Allocation
from mhst.referrals.models import Referral, ReferralSource
from mhst.schools.models import InterestRegistration, InterestStatus, School


def _user(email: str) -> User:
    return db.session.scalars(select(User).filter_by(email=email)).one()


def _unread(user: User, kind: K, text: str, endpoint: str, record_id: int, hours: int) -> None:
    """One unread notification, unless the demo has it already (read or not)."""
    exists = db.session.scalar(
        select(Notification.id).filter_by(user_id=user.id, kind=kind, text=text).limit(1)
    )
    if exists is None:
        db.session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                text=text,
                endpoint=endpoint,
                record_id=record_id,
                created_at=utcnow() - timedelta(hours=hours),
            )
        )


def _latest(*where):
    return db.session.scalars(
        select(Referral).where(*where).order_by(Referral.id.desc()).limit(1)
    ).first()


def load_notifications(since: datetime) -> None:
    """Mark read what loading the demo told people (since ``since``), then add the few
    unread notifications the demo users find."""
    db.session.execute(
        update(Notification)
        .where(Notification.read_at.is_(None), Notification.created_at >= since)
        .values(read_at=utcnow(), email_state=None)
    )
    emhp, senior = _user("emhp@mhst.example"), _user("senior.clinician@mhst.example")
    lead, admin = _user("school.lead@mhst.example"), _user("admin@mhst.example")
    case = _latest(
        Allocation.referral_id == Referral.id,
        Allocation.practitioner_id == emhp.id,
        Allocation.ended_at.is_(None),
    )
    if case is not None:
        text = f"Case {case.reference} was allocated to you by {senior.full_name}"
        _unread(emhp, K.CASE_ALLOCATED, text, "referrals.show", case.id, 2)
        text = f"A risk was raised on your case {case.reference}: a new risk raised at a session"
        _unread(emhp, K.CASE_RISK_RAISED, text, "referrals.show", case.id, 1)
    team_schools = select(School.id).where(School.team_id == senior.team_id)
    arrived = _latest(Referral.school_id.in_(team_schools))
    if arrived is not None:
        text = f"New referral {arrived.reference} from {arrived.school.name}"
        _unread(senior, K.REFERRAL_RECEIVED, text, "referrals.show", arrived.id, 3)
    own = _latest(Referral.school_id == lead.school_id, Referral.source == ReferralSource.SCHOOL)
    if own is not None:
        text = f"Referral {own.reference} is now {own.status.label.lower()}"
        _unread(lead, K.REFERRAL_STATUS_CHANGED, text, "referrals.show", own.id, 4)
    pending = db.session.scalars(
        select(InterestRegistration).filter_by(status=InterestStatus.PENDING).limit(1)
    ).first()
    if pending is not None:
        text = f"{pending.school_name} registered interest in joining the programme"
        _unread(admin, K.INTEREST_REGISTERED, text, "interest.review", pending.id, 5)
    db.session.flush()
