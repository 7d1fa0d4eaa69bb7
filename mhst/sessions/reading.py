"""Reading a case's 1:1 sessions: the next one planned, whether one was attended, the
latest pathway. Sessions entered in error count for none of these."""

from __future__ import annotations

from sqlalchemy import select

from mhst.core.time import utcnow
from mhst.extensions import db
from mhst.sessions.models import Attendance, CareContact, Pathway, contact_counts


def next_planned(referral_id: int) -> CareContact | None:
    """The next planned session that has not started yet (for the school's lead too)."""
    return db.session.scalars(
        select(CareContact)
        .where(
            CareContact.referral_id == referral_id,
            CareContact.attendance.is_(None),
            CareContact.starts_at > utcnow(),
            contact_counts(),
        )
        .order_by(CareContact.starts_at, CareContact.id)
        .limit(1)
    ).first()


def has_attended_session(referral_id: int) -> bool:
    return (
        db.session.scalar(
            select(CareContact.id)
            .where(
                CareContact.referral_id == referral_id,
                CareContact.attendance == Attendance.ATTENDED,
                contact_counts(),
            )
            .limit(1)
        )
        is not None
    )


def last_pathway(referral_id: int) -> Pathway | None:
    """The pathway of the case's latest session that has one."""
    return db.session.scalar(
        select(CareContact.pathway)
        .where(
            CareContact.referral_id == referral_id,
            CareContact.pathway.is_not(None),
            contact_counts(),
        )
        .order_by(CareContact.starts_at.desc(), CareContact.id.desc())
        .limit(1)
    )
