"""Counts of the referrals a user may see, for the home pages (one query).

A team's or a school's counts are exact (their rows are found through the school
indexes). A service-wide user's would each read up to 1.2 million rows on every visit
to the home page: theirs stop at :data:`BOUND` and the page says "more than 1,000"; the
waiting list and the reports give the exact figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, select, true

from mhst.accounts.models import User
from mhst.core.time import service_today
from mhst.extensions import db
from mhst.referrals.models import CLOSED_STATUSES, Referral, ReferralStatus
from mhst.referrals.queries import FOUR_WEEKS
from mhst.security import scoping

BOUND = 1000


@dataclass(frozen=True)
class ReferralCounts:
    open: int
    awaiting_risk_review: int
    awaiting_consent: int
    ready_for_triage: int
    waiting: int
    waiting_over_four_weeks: int
    bound: int | None = None  # counts above it were not finished

    def shown(self, name: str) -> str:
        """The count as the page says it: "more than 1,000" past the bound."""
        value = getattr(self, name)
        if self.bound is not None and value > self.bound:
            return f"more than {self.bound:,}"
        return f"{value:,}"


def _conditions(today: date) -> list:
    four_weeks_ago = today - timedelta(days=FOUR_WEEKS)
    is_open = Referral.status.not_in(CLOSED_STATUSES)
    waiting = Referral.status == ReferralStatus.ACCEPTED
    return [
        is_open,
        and_(is_open, Referral.high_risk == true(), Referral.risk_reviewed_at.is_(None)),
        Referral.status == ReferralStatus.AWAITING_CONSENT,
        Referral.status == ReferralStatus.READY_FOR_TRIAGE,
        waiting,
        and_(waiting, Referral.received_on <= four_weeks_ago),
    ]


def referral_counts(user: User, today: date | None = None) -> ReferralCounts:
    conditions = _conditions(today or service_today())
    scope = scoping.scope(user, Referral)
    if scoping.reach(user, scoping.Kind.REFERRAL) is not scoping.Reach.ALL:
        row = db.session.execute(
            select(*(func.count().filter(condition) for condition in conditions)).where(scope)
        ).one()
        return ReferralCounts(*row)
    # Each count stops at BOUND + 1 rows: still one query, whatever the service's size.
    bounded = [
        select(func.count())
        .select_from(select(Referral.id).where(scope, condition).limit(BOUND + 1).subquery())
        .scalar_subquery()
        for condition in conditions
    ]
    return ReferralCounts(*db.session.execute(select(*bounded)).one(), bound=BOUND)
