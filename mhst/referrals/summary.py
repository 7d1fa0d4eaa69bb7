"""Counts of the referrals a user may see, for the home pages (one query)."""

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


@dataclass(frozen=True)
class ReferralCounts:
    open: int
    awaiting_risk_review: int
    awaiting_consent: int
    ready_for_triage: int
    waiting: int
    waiting_over_four_weeks: int


def referral_counts(user: User, today: date | None = None) -> ReferralCounts:
    today = today or service_today()
    four_weeks_ago = today - timedelta(days=FOUR_WEEKS)
    is_open = Referral.status.not_in(CLOSED_STATUSES)
    waiting = Referral.status == ReferralStatus.ACCEPTED

    def count(condition):
        return func.count().filter(condition)

    row = db.session.execute(
        select(
            count(is_open),
            count(and_(is_open, Referral.high_risk == true(), Referral.risk_reviewed_at.is_(None))),
            count(Referral.status == ReferralStatus.AWAITING_CONSENT),
            count(Referral.status == ReferralStatus.READY_FOR_TRIAGE),
            count(waiting),
            count(and_(waiting, Referral.received_on <= four_weeks_ago)),
        ).where(scoping.scope(user, Referral))
    ).one()
    return ReferralCounts(*row)
