"""Same-day risk reviews: which referrals wait for one, and which are overdue.

A referral whose risk screen is positive is reviewed by a senior clinician on the UK day
it was received (``received_on``). One still waiting once that day has ended (UK time,
whatever the clock change) is **overdue**: the senior clinicians of the team and the
clinical lead see it on their home pages with a red "Overdue" tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import joinedload, lazyload

from mhst.accounts.models import User
from mhst.core import keyset
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


# Most urgent first: the overdue, oldest first (a keyset order, ending with the id).
URGENCY = [
    keyset.Key(Referral.received_on),
    keyset.Key(Referral.submitted_at),
    keyset.Key(Referral.id),
]
_LOAD = (
    joinedload(Referral.child),
    joinedload(Referral.school),
    lazyload(Referral.need_links),
    lazyload(Referral.risk_links),
)
COUNT_BOUND = 1000  # counts stop here: "more than 1,000" (as mhst.referrals.summary)


def _waiting(viewer: User):
    return select(Referral).where(awaiting_review_clause(), scoping.scope(viewer, Referral))


def waiting_reviews(
    viewer: User, now: datetime | None = None, limit: int | None = None
) -> list[WaitingReview]:
    """The referrals ``viewer`` may see that wait for a same-day risk review, the overdue
    first, then oldest first; the first ``limit`` of them (one query)."""
    today = service_today(now)
    stmt = _waiting(viewer).options(*_LOAD).order_by(*(key.ordered(False) for key in URGENCY))
    referrals = db.session.scalars(stmt if limit is None else stmt.limit(limit))
    return [WaitingReview(referral, referral.received_on < today) for referral in referrals]


def waiting_page(viewer: User, args, now: datetime | None = None) -> keyset.KeysetPage:
    """A keyset page of the reviews waiting, most urgent first, as ``WaitingReview``s."""
    today = service_today(now)
    page = keyset.paginate(_waiting(viewer), URGENCY, args, options=_LOAD)
    page.items = [WaitingReview(referral, referral.received_on < today) for referral in page.items]
    return page


@dataclass(frozen=True)
class WaitingCounts:
    """How many reviews wait, and how many of them are overdue, each counted up to
    ``COUNT_BOUND`` + 1 (one query whatever the service's size)."""

    waiting: int
    overdue: int

    @staticmethod
    def shown(value: int) -> str:
        return f"more than {COUNT_BOUND:,}" if value > COUNT_BOUND else f"{value:,}"


def waiting_counts(viewer: User, now: datetime | None = None) -> WaitingCounts:
    today = service_today(now)
    counts = [
        select(func.count())
        .select_from(
            _waiting(viewer)
            .with_only_columns(Referral.id)
            .where(*where)
            .limit(COUNT_BOUND + 1)
            .subquery()
        )
        .scalar_subquery()
        for where in ((), (Referral.received_on < today,))
    ]
    return WaitingCounts(*db.session.execute(select(*counts)).one())
