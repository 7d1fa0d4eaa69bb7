"""Same-day risk reviews: which referrals wait for one, and which are overdue.

A referral whose risk screen is positive is reviewed by a senior clinician on the UK day
it was received (``received_on``). One still waiting once that day has ended (UK time,
whatever the clock change) is **overdue**: the senior clinicians of the team and the
clinical lead see it on their home pages with a red "Overdue" tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, select, true
from sqlalchemy.orm import joinedload, lazyload

from mhst.accounts.models import User
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import CLOSED_STATUSES, Referral
from mhst.security import scoping


def review_overdue(referral: Referral, now: datetime | None = None) -> bool:
    """Whether the referral's same-day risk review is overdue at ``now``: it is open, its
    risk screen is positive, no one has reviewed it, and the UK day it was received has
    ended."""
    return (
        referral.awaiting_risk_review
        and not referral.status.is_closed
        and referral.received_on < service_today(now)
    )


def awaiting_review_clause():
    """Open referrals whose positive risk screen is not reviewed yet (SQL)."""
    return and_(
        Referral.high_risk == true(),
        Referral.risk_reviewed_at.is_(None),
        Referral.status.not_in(CLOSED_STATUSES),
    )


@dataclass(frozen=True)
class WaitingReview:
    referral: Referral
    overdue: bool

    @property
    def received_on(self) -> date:
        return self.referral.received_on


def waiting_reviews(viewer: User, now: datetime | None = None) -> list[WaitingReview]:
    """The referrals ``viewer`` may see that wait for a same-day risk review, the overdue
    first, then oldest first (one query)."""
    today = service_today(now)
    referrals = db.session.scalars(
        select(Referral)
        .where(awaiting_review_clause(), scoping.scope(viewer, Referral))
        .options(
            joinedload(Referral.child),
            joinedload(Referral.school),
            lazyload(Referral.need_links),
            lazyload(Referral.risk_links),
        )
        .order_by(Referral.received_on, Referral.submitted_at, Referral.id)
    )
    return [WaitingReview(referral, referral.received_on < today) for referral in referrals]
